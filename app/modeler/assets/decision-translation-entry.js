// The decision-table page's translations. That page runs the prebuilt dmn-js, so .ci/setup bundles
// this file on its own into app/static/build/ and decision.js hands the modules to each view.
import { translateModules } from "./translate.js";
import zh from "./translate-zh-decision.js";

window.approvalsDecisionTranslation = translateModules({ zh: zh });
