// Dialogs: modal, keyboard operable (Esc cancels, focus moves into the dialog and back). `ask` shows one and resolves
// with its values (null when canceled); `dialogOpen` tells the refresh timers to wait.

import { h } from './dom.js';

/**
 * @param {{ title: string, message?: string, fields?: Array<{ name: string, label: string, kind?: 'text' | 'json' | 'password' | 'checkbox', value?: string, required?: boolean }>, confirm: string, danger?: boolean }} spec
 * @returns {Promise<Record<string, string | boolean> | null>}
 */
export function ask(spec) {
  return new Promise((resolve) => {
    const returnFocus = document.activeElement;
    const errorLine = h('p', { class: 'error-text', role: 'alert' });
    const inputs = (spec.fields ?? []).map((field) => {
      const id = `field-${field.name}`;
      if (field.kind === 'checkbox') {
        const box = h('input', { type: 'checkbox', id, name: field.name });
        return { field, control: box, node: h('label', { for: id, class: 'inline' }, box, field.label) };
      }
      const control = field.kind === 'json'
        ? h('textarea', { id, name: field.name, spellcheck: 'false' })
        : h('input', { id, name: field.name, type: field.kind === 'password' ? 'password' : 'text', autocomplete: 'off', required: field.required === true });
      /** @type {HTMLInputElement} */ (control).value = field.value ?? '';
      return { field, control, node: h('label', { for: id }, field.label, control) };
    });
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const submit = h('button', { type: 'submit', class: spec.danger ? 'danger' : '' }, spec.confirm);
    const form = h('form', { method: 'dialog' },
      h('h2', {}, spec.title),
      spec.message ? h('p', {}, spec.message) : null,
      inputs.map((i) => i.node),
      errorLine,
      h('div', { class: 'buttons' }, cancel, submit));
    const dialog = /** @type {HTMLDialogElement} */ (h('dialog', { 'aria-label': spec.title }, form));
    let result = /** @type {Record<string, string | boolean> | null} */ (null);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      /** @type {Record<string, string | boolean>} */
      const values = {};
      for (const { field, control } of inputs) {
        const input = /** @type {HTMLInputElement} */ (control);
        if (field.kind === 'checkbox') {
          values[field.name] = input.checked;
          continue;
        }
        const value = input.value;
        if (field.required && value.trim() === '') {
          errorLine.textContent = `${field.label} is required.`;
          input.focus();
          return;
        }
        if (field.kind === 'json' && value.trim() !== '') {
          try {
            JSON.parse(value);
          } catch (error) {
            errorLine.textContent = `${field.label} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
            input.focus();
            return;
          }
        }
        values[field.name] = value;
      }
      result = values;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (returnFocus instanceof HTMLElement) returnFocus.focus();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = /** @type {HTMLElement | undefined} */ (inputs[0]?.control);
    (first ?? submit).focus();
  });
}

export function dialogOpen() {
  return document.querySelector('dialog[open]') !== null;
}
