import Handlebars from 'handlebars';
import { helpers } from './helpers.js';

/**
 * Our own Handlebars instance: helpers registered here cannot be changed by
 * (or leak into) any other code that uses the global Handlebars.
 */
export const hbs = Handlebars.create();
hbs.registerHelper(helpers);

export type CompiledTemplate = Handlebars.TemplateDelegate;

/**
 * `strict`: a field the template names but the data lacks is an error, not
 * silently empty text in a customer's message. `noEscape` is for text and
 * subject parts, which are not HTML (an `&` in an item name must stay `&`).
 */
export function compile(source: string, options: { escape: boolean }): CompiledTemplate {
  return hbs.compile(source, { strict: true, noEscape: !options.escape });
}

/**
 * Payloads come from producers we do not control: never let a template walk
 * into prototypes (`{{constructor}}`, `{{__proto__}}`). These are the
 * Handlebars defaults since 4.6, spelled out so an upgrade cannot flip them.
 */
export const runtimeOptions: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
};
