// The form designer page's editor: bpmn.io's form-js editor with its palette and properties panel.
// .ci/setup bundles this file into app/static/build/ beside the BPMN modeler's bundle.
import { FormEditor } from "@bpmn-io/form-js";
import "@bpmn-io/form-js/dist/assets/form-js.css";
import "@bpmn-io/form-js/dist/assets/form-js-editor.css";
import "@bpmn-io/form-js/dist/assets/properties-panel.css";
import zh from "./translate-zh-forms.js";

function pageLanguage() {
  return (document.documentElement.lang || "").toLowerCase().split("-")[0];
}

// form-js draws its palette and properties panel with fixed English texts and no translate
// service, so the Chinese page swaps them as they are drawn: whole texts only, in the palette and
// the panel only (never on the form itself, where the texts are the process owner's own).
function translateDrawnTexts(root, dictionary) {
  const attributes = ["placeholder", "title", "aria-label"];
  function visit(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.nodeValue.trim();
      // Set only when it changes: every change is itself observed.
      if (text && Object.prototype.hasOwnProperty.call(dictionary, text) && dictionary[text] !== text) {
        node.nodeValue = node.nodeValue.replace(text, dictionary[text]);
      }
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) { return; }
    // On the form itself the texts are the process owner's own: only the palette and the panel change.
    if (node.closest && node.closest(".fjs-form") && !node.closest(".fjs-palette-container")) { return; }
    attributes.forEach(function (name) {
      const value = node.getAttribute(name);
      if (value && Object.prototype.hasOwnProperty.call(dictionary, value) && dictionary[value] !== value) {
        node.setAttribute(name, dictionary[value]);
      }
    });
    node.childNodes.forEach(visit);
  }
  visit(root);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      if (change.type === "characterData") { visit(change.target); }
      change.addedNodes.forEach(visit);
    });
  }).observe(root, { childList: true, subtree: true, characterData: true });
}

// options: container and panelParent (elements). Resolves to the editor once it is drawn.
window.createApprovalsFormEditor = function (options) {
  const editor = new FormEditor({
    container: options.container,
    propertiesPanel: { parent: options.panelParent }
  });
  if (pageLanguage() === "zh") {
    [options.paletteRoot || options.container, options.panelParent].forEach(function (root) {
      if (root) { translateDrawnTexts(root, zh); }
    });
  }
  return editor;
};
