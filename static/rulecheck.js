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
  // The supplier is known to be a private company: a registered one of legal type "private", or one described
  // below with that legal type. Then the in-house questions do not apply.
  var privateIds = (form.getAttribute('data-private-entities') || '').split(',').filter(Boolean);
  function supplierIsPrivate(selectId) {
    var chosen = document.getElementById(selectId);
    if (!chosen) { return false; }
    if (chosen.value === 'other') {
      var type = document.getElementById('supplier_legal_type');
      return !!type && type.value === 'private';
    }
    return privateIds.indexOf(chosen.value) !== -1;
  }
  function applyVisibility() {
    form.querySelectorAll('[data-show-when]').forEach(function (block) {
      block.hidden = !conditionMet(block.getAttribute('data-show-when'));
    });
    form.querySelectorAll('[data-hide-when-private]').forEach(function (block) {
      var isPrivate = supplierIsPrivate(block.getAttribute('data-hide-when-private'));
      block.hidden = isPrivate;
      var note = document.getElementById('in-house-note');
      if (note) { note.hidden = !isPrivate; }
    });
  }
  // A question in "what is missing" links to its field: show the section it is in before the browser jumps there.
  panel.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute('href').slice(1));
    if (!field) { return; }
    for (var el = field.parentElement; el && el !== form; el = el.parentElement) {
      if (el.hidden && el.hasAttribute('data-show-when')) {
        var spec = el.getAttribute('data-show-when').split('=');
        var toggle = document.getElementById(spec[0]);
        if (toggle && spec[1] === 'checked') { toggle.checked = true; }
        else if (toggle) { toggle.value = spec[1]; }
        el.hidden = false;
      }
    }
    event.preventDefault();
    field.focus();
    field.scrollIntoView({ block: 'center' });
  });

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
