// Serve the page; the browser script connects to the WebSocket API.
// ARC_WSS_URL is set on every function by arc2tf (as Architect does).
export async function handler () {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf8',
      'cache-control': 'no-cache, no-store, must-revalidate, max-age=0, s-maxage=0',
    },
    body: `<!doctype html>
<html>
<head><meta charset="utf-8"><title>wsproj</title></head>
<body>
<h1>Echo</h1>
<form id="send"><input id="message" autofocus><button>Send</button></form>
<pre id="log"></pre>
<script>window.WS_URL = ${JSON.stringify(process.env.ARC_WSS_URL)}</script>
<script type="module" src="/_static/index.mjs"></script>
</body>
</html>`,
  }
}
