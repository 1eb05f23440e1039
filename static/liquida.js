/* Behaviour that used to be inline (onclick=, onchange=, onsubmit=, javascript: links), which the
   Content-Security-Policy does not run. Templates mark elements with data attributes instead:
   data-autosubmit       a select that submits its form when changed
   data-confirm="text"   a form (on submit) or button (on click) that asks first
   data-disable-on-submit a form whose submit buttons are disabled once it is sent (no double posts)
   data-model-action="name" a Flask-Admin "with selected" action
   data-job-status="url"  a background job's progress (templates/jobs/_widget.html), polled until it
                          ends; the page then reloads to show the result
   data-inline-add="field" Flask-Admin's "Add" button of an inline list (payer identities)
   data-lot-live         a lot being built: its count of guides, total value and send button follow the
                         ticks of its [data-value] checkboxes (data-count, data-total, data-send: selectors;
                         data-base-count, data-base-total: guides already in the lot but not on the page)
   select[data-searchable="label"] a long list (glosa codes) gets a search box narrowing it by code or words
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

  // Amounts as the server writes them (services.formatting.money): its symbol ("R$", "$"), a
  // no-break space, the page language's separators and two decimals.
  function money(value, element) {
    if (!element.dataset.symbol) { element.dataset.symbol = element.textContent.trim().split('\u00a0')[0]; }
    var lang = document.documentElement.lang || undefined;
    return element.dataset.symbol + '\u00a0' +
      value.toLocaleString(lang, {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }

  function updateLot(scope) {
    var cents = Math.round(parseFloat(scope.dataset.baseTotal || '0') * 100);
    var count = parseInt(scope.dataset.baseCount || '0', 10);
    scope.querySelectorAll('input[type=checkbox][data-value]:checked').forEach(function (box) {
      cents += Math.round(parseFloat(box.dataset.value) * 100);
      count += 1;
    });
    var countEl = document.querySelector(scope.dataset.count);
    var totalEl = document.querySelector(scope.dataset.total);
    var send = document.querySelector(scope.dataset.send);
    if (countEl) { countEl.textContent = count; }
    if (totalEl) { totalEl.textContent = money(cents / 100, totalEl); }
    if (send) { send.disabled = count === 0; }
  }

  document.addEventListener('change', function (event) {
    var scope = event.target.closest && event.target.closest('[data-lot-live]');
    if (scope && event.target.matches('input[type=checkbox][data-value]')) { updateLot(scope); }
  });

  function normalise(text) {
    return text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }

  document.querySelectorAll('select[data-searchable]').forEach(function (select) {
    var search = document.createElement('input');
    search.type = 'search';
    search.className = 'form-control form-control-sm mr-1 mb-1 code-search';
    search.placeholder = select.dataset.searchable;
    search.setAttribute('aria-label', select.dataset.searchable);
    search.setAttribute('aria-controls', select.id);
    select.parentNode.insertBefore(search, select);
    search.addEventListener('input', function () {
      var words = normalise(search.value).split(/\s+/).filter(Boolean);
      var shown = [];
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) { return; }
        var text = normalise(option.textContent);
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !match;
        option.disabled = !match;
        if (match) { shown.push(option); }
      });
      if (select.selectedIndex > 0 && select.options[select.selectedIndex].hidden) { select.value = ''; }
      if (shown.length === 1 && words.length) { select.value = shown[0].value; }
    });
  });

  document.addEventListener('click', function (event) {
    var element = event.target.closest && event.target.closest('a, button');
    if (!element) { return; }
    if (element.tagName === 'BUTTON' && element.dataset.confirm && !window.confirm(element.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (element.dataset.inlineAdd && window.faForm) {  // Flask-Admin's "Add <inline record>" button
      event.preventDefault();
      window.faForm.addInlineField(element, element.dataset.inlineAdd);
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
