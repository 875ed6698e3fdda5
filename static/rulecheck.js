// Rules check page: show the questions the answer needs, and update the assessment while the user types.
// Without JavaScript every question is shown and the "Assess" button gives the same result.
(function () {
  var form = document.getElementById('rulecheck-form');
  if (!form) { return; }
  var panel = document.getElementById('assessment');

  function conditionMet(spec) {
    var parts = spec.split('=');
    var el = document.getElementById(parts[0]);
    if (!el) { return true; }
    if (parts[1] === 'checked') { return el.checked; }
    return el.value === parts[1];
  }
  function applyVisibility() {
    form.querySelectorAll('[data-show-when]').forEach(function (block) {
      block.hidden = !conditionMet(block.getAttribute('data-show-when'));
    });
  }

  var timer = null;
  var pending = null;
  function refresh() {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    var data = new FormData(form);
    data.delete('action');
    fetch(form.getAttribute('data-live-url'), { method: 'POST', body: data, signal: pending.signal, credentials: 'same-origin' })
      .then(function (r) { return r.ok || r.status === 422 ? r.text() : null; })
      .then(function (html) { if (html !== null) { panel.innerHTML = html; } })
      .catch(function () { /* aborted or offline: the Assess button still works */ });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(refresh, 400); }

  form.addEventListener('change', function () { applyVisibility(); schedule(); });
  form.addEventListener('input', schedule);
  applyVisibility();
})();
