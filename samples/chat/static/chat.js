// Chat page: one WebSocket to /chat, reconnecting with backoff. The name is kept in localStorage
// and sent with each message. On every connection the server says who this browser is and sends
// the last 50 messages; each message is shown once, and "Welcome!" once per page. Everything a
// name or a message says is shown as text (textContent), never as HTML.
(function () {
  'use strict';
  var NAME_KEY = 'typhoon-chat:name';
  var list = document.getElementById('messages');
  var form = document.getElementById('composer');
  var nameInput = document.getElementById('name');
  var input = document.getElementById('message');
  var button = document.getElementById('send');
  var status = document.getElementById('status');
  var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  var socket;
  var retry = 500;
  var you = null; // this browser's author id, as the server says
  var welcomed = false; // "Welcome!" is said once per page, not on every reconnection
  var shown = new Set(); // ids of the messages on the page
  var early = null; // messages that arrived on this connection before its history

  function setState(state, text) {
    status.dataset.state = state;
    status.textContent = text;
    button.disabled = state !== 'open';
  }

  function append(item) {
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function span(className, text) {
    var element = document.createElement('span');
    element.className = className;
    element.textContent = text;
    return element;
  }

  function note(text) {
    var item = document.createElement('li');
    item.className = 'system';
    item.textContent = text;
    append(item);
  }

  function show(message) {
    if (shown.has(message.id)) return;
    shown.add(message.id);
    var mine = message.author === you;
    var item = document.createElement('li');
    item.className = mine ? 'message message--mine' : 'message';
    item.dataset.id = message.id;
    item.appendChild(span('message__name', message.name));
    if (mine) item.appendChild(span('message__you', ' (you)'));
    item.appendChild(document.createTextNode(': '));
    item.appendChild(span('message__text', message.text));
    append(item);
  }

  function receive(data) {
    if (data.type === 'joined') {
      you = data.you;
      data.history.forEach(show);
      if (!welcomed) note('Welcome!');
      welcomed = true;
      early.forEach(show);
      early = null;
    } else if (data.type === 'message') {
      if (early) early.push(data.message);
      else show(data.message);
    } else if (data.status === 400) {
      note('Not sent: ' + data.errors.map(function (error) { return (error.path ? error.path.slice(1) + ': ' : '') + error.message; }).join('; '));
    }
  }

  function connect() {
    setState('connecting', 'connecting…');
    socket = new WebSocket(scheme + location.host + '/chat');
    socket.onopen = function () {
      retry = 500;
      early = [];
      setState('open', 'connected');
    };
    socket.onmessage = function (event) {
      receive(JSON.parse(event.data));
    };
    socket.onclose = function () {
      setState('closed', 'disconnected, retrying…');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  function remembered() {
    try {
      return localStorage.getItem(NAME_KEY) || '';
    } catch (error) {
      return ''; // storage disabled: the name lasts as long as the page
    }
  }

  nameInput.value = remembered();
  (nameInput.value ? input : nameInput).focus();
  nameInput.addEventListener('input', function () {
    try {
      localStorage.setItem(NAME_KEY, nameInput.value.trim());
    } catch (error) {
      // storage disabled: nothing to remember it in
    }
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var name = nameInput.value.trim();
    var text = input.value.trim();
    if (!name) {
      nameInput.value = '';
      nameInput.reportValidity();
      return;
    }
    if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ name: name, text: text }));
    input.value = '';
    input.focus();
  });

  connect();
})();
