// @azure/functions is a webpack bundle: Node's ESM loader finds `app` among its named exports but
// not the classes. Vitest hides this; plain Node does not. The dev tools take the classes here.
import azureFunctions from "@azure/functions";

export const { HttpRequest, HttpResponse, InvocationContext } = azureFunctions;
