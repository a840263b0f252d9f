// Field errors: the API answers every problem of a request at once (400, details); each one whose first word names
// a field of the form is shown at that field, the rest above the form.
import { escape } from './format.js';

export function showProblems(form, error) {
  clearProblems(form);
  const general = form.querySelector('.form-error');
  const unplaced = [];
  for (const detail of error.details?.length ? error.details : [error.message]) {
    const field = detail.split(/[ .:]/)[0];
    const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent}; ${detail}` : detail;
    } else {
      unplaced.push(detail);
    }
  }
  general.innerHTML = unplaced.map(escape).join('<br>');
}

/** Takes away the problems shown (the form was saved). */
export function clearProblems(form) {
  form.querySelectorAll('.field-error').forEach(element => { element.textContent = ''; });
  form.querySelector('.form-error').textContent = '';
}

/** A labelled input with its error slot. */
export function field(name, label, input) {
  return `<label>${escape(label)} ${input}<span class="field-error error" data-error-for="${escape(name)}" id="error-${escape(name)}"></span></label>`;
}
