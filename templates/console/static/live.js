// Live updates: when the server says something changed, fetch the fresh board.
(function () {
  var board = document.getElementById("live-board");
  var status = document.getElementById("live-status");
  if (!board || !window.EventSource) { return; }
  var source = new EventSource(board.dataset.events);
  var pending = false;
  function refresh() {
    if (pending) { return; }
    pending = true;
    fetch(board.dataset.source, { credentials: "same-origin" })
      .then(function (r) {
        // A session that expired answers with the login page: show it whole.
        if (r.redirected) { window.location.reload(); return Promise.reject("login"); }
        return r.ok ? r.text() : Promise.reject(r.status);
      })
      .then(function (html) { board.innerHTML = html; if (status) { status.textContent = "Updated " + new Date().toLocaleTimeString(); } })
      .catch(function () { if (status) { status.textContent = "Could not refresh; reload the page."; } })
      .finally(function () { pending = false; });
  }
  source.addEventListener("changed", refresh);
  source.onerror = function () { if (status) { status.textContent = "Reconnecting…"; } };
})();
