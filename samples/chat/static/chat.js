// Chat page: one WebSocket to /chat; Enter or Send posts the text box, every message is appended to the list.
(function () {
  'use strict';
  var list = document.getElementById('messages');
  var form = document.getElementById('composer');
  var input = document.getElementById('message');
  var button = document.getElementById('send');
  var status = document.getElementById('status');
  var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  var socket;
  var retry = 500;

  function setState(state, text) {
    status.dataset.state = state;
    status.textContent = text;
    button.disabled = state !== 'open';
  }

  function show(text, kind) {
    var item = document.createElement('li');
    item.textContent = text;
    if (kind) item.className = kind;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function connect() {
    setState('connecting', 'connecting…');
    socket = new WebSocket(scheme + location.host + '/chat');
    socket.onopen = function () {
      retry = 500;
      setState('open', 'connected');
    };
    socket.onmessage = function (event) {
      show(event.data, event.data === 'Welcome!' ? 'system' : '');
    };
    socket.onclose = function () {
      setState('closed', 'disconnected, retrying…');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(text);
    input.value = '';
    input.focus();
  });

  connect();
})();
