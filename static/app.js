// Behaviour every page shares. Loaded from a file (never inline) so the Content-Security-Policy can forbid
// inline scripts (contracts_app/security_headers.py).
(function () {
  // Move focus to the error summary so screen readers announce form errors at once.
  var summary = document.getElementById('error-summary');
  if (summary) { summary.focus(); }
  // Buttons that print the page: <button type="button" data-action="print">.
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-action="print"]');
    if (button) { window.print(); }
  });
})();
