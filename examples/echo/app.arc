# The WebSocket echo app from Architect 5's announcement.
@app
wsproj

@http
get /

@ws

@static
