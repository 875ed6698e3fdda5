// Agreement wizard: update the verdict panel while the user types, with the step's unsaved input (nothing is
// saved until "Save"). Without JavaScript the panel shows the saved draft, and a save that fails shows the input.
(function () {
  var form = document.getElementById('wizard-form');
  var panel = document.getElementById('verdict-panel');
  if (!form || !panel || !window.fetch || !window.FormData) { return; }

  var timer = null;
  var pending = null;
  var sent = 0;
  function refresh() {
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    var data = new FormData(form);
    data.delete('action');
    var number = ++sent;
    panel.setAttribute('aria-busy', 'true');
    fetch(form.getAttribute('data-live-url'), {
      method: 'POST', body: data, credentials: 'same-origin', signal: pending ? pending.signal : undefined,
      headers: { 'Accept': 'text/html' }
    })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && number === sent) { panel.innerHTML = html; }
      })
      .catch(function () { /* aborted or offline: the Save button still works */ })
      .then(function () { if (number === sent) { panel.removeAttribute('aria-busy'); } });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(refresh, 400); }

  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
})();
