// The BPMN modeler page's editor: bpmn-js with the standard properties panel and the Camunda
// attributes it edits. .ci/setup bundles this file into app/static/build/, because the panel
// ships only as modules and the page's policy allows scripts from this site alone.
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from "bpmn-js-properties-panel";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import "@bpmn-io/properties-panel/dist/assets/properties-panel.css";
import { translateModules } from "./translate.js";
import zh from "./translate-zh.js";

// options: container and panelParent (elements), plus the page's own moddle extensions.
window.createApprovalsModeler = function (options) {
  return new BpmnModeler({
    container: options.container,
    propertiesPanel: { parent: options.panelParent },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule
    ].concat(translateModules({ zh: zh }, { propertiesPanel: true })),
    moddleExtensions: Object.assign({ camunda: camundaModdle }, options.moddleExtensions || {})
  });
};
