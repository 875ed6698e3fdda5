// Searchable fields (ARIA 1.2 combobox with a list box): an <input data-search-url="…" data-key-field="ID"> inside
// an element with [data-combobox] gets suggestions from the server while the user types (at most ~20, JSON
// {results: [{key, label, detail}], more}). Picking one puts its label in the input and its key in the hidden field
// data-key-field names; typing again clears the key, and the server resolves the text alone (as without script).
// Keyboard: Down/Up move through the suggestions, Enter picks, Escape closes (a second Escape clears), Tab leaves.
(function () {
  if (!window.fetch || !document.querySelectorAll) { return; }
  var counter = 0;

  function setup(input) {
    var box = input.closest('[data-combobox]') || input.parentNode;
    var keyField = document.getElementById(input.getAttribute('data-key-field'));
    var url = input.getAttribute('data-search-url');
    var id = input.id || ('combobox-' + (++counter));
    var list = document.createElement('ul');
    var status = document.createElement('p');
    var timer = null;
    var pending = null;
    var sent = 0;
    var items = [];
    var active = -1;

    list.id = id + '-listbox';
    list.setAttribute('role', 'listbox');
    list.className = 'combobox__list';
    var label = box.querySelector('label[for="' + id + '"]');
    if (label) {
      if (!label.id) { label.id = id + '-label'; }
      list.setAttribute('aria-labelledby', label.id);
    }
    list.hidden = true;
    status.className = 'visually-hidden combobox__status';
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    // Placement without a stylesheet change (CSSOM, allowed by the Content-Security-Policy).
    box.style.position = 'relative';
    list.style.cssText = 'position:absolute;z-index:20;left:0;right:0;max-height:18rem;overflow-y:auto;margin:0;' +
      'padding:0;list-style:none;background:#fff;border:1px solid #68707c;border-radius:4px;box-shadow:0 4px 12px rgba(0,0,0,.15)';
    status.style.cssText = 'position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap';
    input.insertAdjacentElement('afterend', list);
    list.insertAdjacentElement('afterend', status);

    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function highlight(index) {
      items.forEach(function (li, i) {
        var on = i === index;
        li.setAttribute('aria-selected', on ? 'true' : 'false');
        li.style.background = on ? '#e6eef8' : '';
        li.style.outline = on ? '2px solid #1e4f8a' : '';
        li.style.outlineOffset = on ? '-2px' : '';
      });
      active = index;
      if (index >= 0) {
        input.setAttribute('aria-activedescendant', items[index].id);
        items[index].scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }

    function pick(li) {
      input.value = li.getAttribute('data-label');
      if (keyField) { keyField.value = li.getAttribute('data-key'); }
      close();
      status.textContent = input.value;
      input.dispatchEvent(new Event('change', { bubbles: true }));  // the wizard's live verdict listens
    }

    function show(data) {
      list.textContent = '';
      items = (data.results || []).map(function (r, i) {
        var li = document.createElement('li');
        li.id = list.id + '-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.setAttribute('data-key', r.key);
        li.setAttribute('data-label', r.label);
        li.style.cssText = 'padding:.4rem .6rem;cursor:pointer';
        li.appendChild(document.createTextNode(r.label));
        if (r.detail) {
          var small = document.createElement('span');
          small.style.cssText = 'display:block;font-size:.85em;color:#4a5563';
          small.textContent = r.detail;
          li.appendChild(small);
        }
        li.addEventListener('mousedown', function (event) { event.preventDefault(); });  // keep the focus in the input
        li.addEventListener('click', function () { pick(li); });
        list.appendChild(li);
        return li;
      });
      var count = items.length;
      status.textContent = count ? (box.getAttribute('data-found') || '%d').replace('%d', count) + (data.more ? ' +' : '')
        : (box.getAttribute('data-none') || '');
      if (count) {
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
        highlight(-1);
      } else {
        close();
      }
    }

    function search() {
      var q = input.value.trim();
      if (pending) { pending.abort(); }
      if (!q) { close(); items = []; return; }
      pending = window.AbortController ? new AbortController() : null;
      var number = ++sent;
      fetch(url + (url.indexOf('?') < 0 ? '?' : '&') + 'q=' + encodeURIComponent(q), {
        credentials: 'same-origin', headers: { 'Accept': 'application/json' }, signal: pending ? pending.signal : undefined
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && number === sent && document.activeElement === input) { show(data); } })
        .catch(function () { /* aborted or offline: the server resolves the typed text on save */ });
    }

    input.addEventListener('input', function () {
      if (keyField) { keyField.value = ''; }
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener('keydown', function (event) {
      var open = !list.hidden && items.length > 0;
      if (event.key === 'ArrowDown' || event.key === 'Down') {
        event.preventDefault();
        if (!open) { search(); return; }
        highlight(active < items.length - 1 ? active + 1 : 0);
      } else if (event.key === 'ArrowUp' || event.key === 'Up') {
        if (!open) { return; }
        event.preventDefault();
        highlight(active > 0 ? active - 1 : items.length - 1);
      } else if (event.key === 'Enter') {
        if (open && active >= 0) { event.preventDefault(); pick(items[active]); }
      } else if (event.key === 'Escape' || event.key === 'Esc') {
        if (open) { event.preventDefault(); close(); }
        else if (input.value) { event.preventDefault(); input.value = ''; if (keyField) { keyField.value = ''; } }
      } else if (event.key === 'Tab') {
        close();
      }
    });
    input.addEventListener('blur', function () { setTimeout(close, 150); });
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-combobox] input[data-search-url]'), setup);
})();
