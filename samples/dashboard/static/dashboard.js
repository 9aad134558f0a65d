// Dashboard page: one EventSource on /figures; each `figures` event fills the figures in. EventSource reconnects by itself, sending Last-Event-ID.
(function () {
  'use strict';
  var status = document.getElementById('status');
  var received = 0;
  var source = new EventSource('/figures');

  function setState(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  source.onopen = function () {
    setState('open', 'live');
  };
  source.onerror = function () {
    setState('closed', 'reconnecting…');
  };
  source.addEventListener('figures', function (event) {
    var figures = JSON.parse(event.data);
    Object.keys(figures).forEach(function (name) {
      var element = document.getElementById(name);
      if (element) element.textContent = String(figures[name]);
    });
    received += 1;
    document.getElementById('received').textContent = String(received);
    document.getElementById('last-id').textContent = event.lastEventId;
  });
})();
