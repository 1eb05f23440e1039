/* Behaviour that used to be inline (onclick=, onchange=, onsubmit=, javascript: links), which the
   Content-Security-Policy does not run. Templates mark elements with data attributes instead:
   data-autosubmit       a select that submits its form when changed
   data-confirm="text"   a form (on submit) or button (on click) that asks first
   data-disable-on-submit a form whose submit buttons are disabled once it is sent (no double posts)
   data-model-action="name" a Flask-Admin "with selected" action
   data-job-status="url"  a background job's progress (templates/jobs/_widget.html), polled until it
                          ends; the page then reloads to show the result
   Flask-Admin's javascript:void(0) links only open menus: their navigation is cancelled here. */
(function () {
  'use strict';

  document.addEventListener('change', function (event) {
    var select = event.target.closest && event.target.closest('[data-autosubmit]');
    if (select && select.form) { select.form.submit(); }
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute('data-disable-on-submit')) {
      form.querySelectorAll('button[type=submit], input[type=submit]').forEach(function (button) {
        setTimeout(function () { button.disabled = true; }, 0);
      });
    }
  });

  document.addEventListener('click', function (event) {
    var element = event.target.closest && event.target.closest('a, button');
    if (!element) { return; }
    if (element.tagName === 'BUTTON' && element.dataset.confirm && !window.confirm(element.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (element.dataset.modelAction && window.modelActions) {
      event.preventDefault();
      window.modelActions.execute(element.dataset.modelAction);
      return;
    }
    var href = element.getAttribute('href');
    if (href && href.trim().toLowerCase().indexOf('javascript:') === 0) { event.preventDefault(); }
  }, true);

  function pollJob(box) {
    var url = box.dataset.jobStatus;
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        var bar = box.querySelector('[data-job-bar]');
        if (bar) { bar.max = status.total || 1; bar.value = status.done; bar.textContent = status.percent + '%'; }
        var text = box.querySelector('[data-job-progress]');
        if (text) { text.textContent = status.progress_text; }
        if (status.finished) { window.location.reload(); return; }
        setTimeout(function () { pollJob(box); }, 1500);
      })
      .catch(function () { setTimeout(function () { pollJob(box); }, 5000); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-job-status]').forEach(function (box) {
      setTimeout(function () { pollJob(box); }, 1000);
    });
  });
})();
