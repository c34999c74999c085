// A tiny HTTP server on loopback that logs each request.
const http = require('node:http');
const port = Number(process.env.PORT || 8089);
http
  .createServer((req, res) => {
    console.log(`${new Date().toISOString()} ${req.method} ${req.url}`);
    res.end('hello from a process run by vigild\n');
  })
  .listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
