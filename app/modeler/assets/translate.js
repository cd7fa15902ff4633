// The editors ask their `translate` service for every label they draw; replacing that service
// shows them in the page's language. The page's <html lang> says which language that is.

function pageLanguage() {
  return (document.documentElement.lang || "").toLowerCase().split("-")[0];
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

// The properties panel draws its sections' own buttons ("Toggle section", "Create new list item")
// with the translator a section is handed, and the providers hand none; the last provider in
// line hands ours to every section that lacks one.
function SectionTranslation(propertiesPanel, translate) {
  propertiesPanel.registerProvider(1, {
    getGroups: function () {
      return function (groups) {
        return groups.map(function (group) { return Object.assign({ translate: translate }, group); });
      };
    }
  });
}
SectionTranslation.$inject = ["propertiesPanel", "translate"];

// Additional modules for bpmn-js / dmn-js, or none when the page's language has no dictionary.
// dictionaries: language ("zh") → { English text: translation }.
export function translateModules(dictionaries, options) {
  const dictionary = dictionaries[pageLanguage()];
  if (!dictionary) { return []; }
  const modules = [{ translate: ["value", translatorFor(dictionary)] }];
  if (options && options.propertiesPanel) {
    modules.push({ __init__: ["sectionTranslation"], sectionTranslation: ["type", SectionTranslation] });
  }
  return modules;
}
