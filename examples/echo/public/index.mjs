// Browser side of the echo app: send what the user types, log what comes back.
const log = document.getElementById('log')
const input = document.getElementById('message')
const ws = new WebSocket(window.WS_URL)

ws.onopen = () => { log.textContent += 'connected\n' }
ws.onclose = () => { log.textContent += 'closed\n' }
ws.onerror = (e) => { log.textContent += `error: ${e.message || e}\n` }
ws.onmessage = (e) => { log.textContent += `${e.data}\n` }

document.getElementById('send').addEventListener('submit', (e) => {
  e.preventDefault()
  ws.send(JSON.stringify({ text: input.value }))
  input.value = ''
})
