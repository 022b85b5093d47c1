// The live WebSocket, read and parsed off the main thread. While the map is being dragged
// or zoomed without a GPU, the main thread spends most of each frame drawing, and a large
// update read there arrives in pieces a frame apart: half a second late, or more.
// Messages in: {open: url, generation} or {close: true}. Out: {generation, event: 'open' |
// 'message' | 'close', data?, code?}.

let socket = null;

self.onmessage = ({ data }) => {
  if (socket) {
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.close();
    socket = null;
  }
  if (data.open) open(data.open, data.generation);
};

function open(url, generation) {
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => self.postMessage({ generation, event: 'open' });
  ws.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (error) {
      console.warn('live update is not JSON, dropped', error);
      return;
    }
    self.postMessage({ generation, event: 'message', data: message });
  };
  ws.onclose = (event) => {
    if (socket === ws) socket = null;
    self.postMessage({ generation, event: 'close', code: event.code });
  };
}
