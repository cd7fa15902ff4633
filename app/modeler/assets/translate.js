// The editors ask their `translate` service for every label they draw; replacing that service
// shows them in the page's language. The page's <html lang> says which language that is.
import zh from "./translate-zh.js";

const DICTIONARIES = { zh: zh };

export function pageDictionary() {
  const lang = (document.documentElement.lang || "").toLowerCase();
  return DICTIONARIES[lang.split("-")[0]] || null;
}

// A text the dictionary lacks stays in English; {name} placeholders are filled in either way.
export function translatorFor(dictionary) {
  return function translate(template, replacements) {
    const text = Object.prototype.hasOwnProperty.call(dictionary, template) ? dictionary[template] : template;
    const values = replacements || {};
    return text.replace(/{([^}]+)}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  };
}

// An additional module for bpmn-js / dmn-js, or none when the page is in English.
export function translateModules() {
  const dictionary = pageDictionary();
  return dictionary ? [{ translate: ["value", translatorFor(dictionary)] }] : [];
}
