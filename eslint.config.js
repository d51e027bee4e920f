// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The directions of docs/design.md §3: functions → app → http/cli → features → workflow → ports →
// domain, and adapters beside them, implementing ports. Each folder's rule lists every pattern
// that applies to it (a later rule replaces an earlier one of the same name), and tests in
// test/unit/architecture.test.ts show each of them refusing an import that breaks its direction.
const AZURE_SDKS = {
  group: [
    "@azure/arm-*",
    "@azure/identity",
    "@azure/data-tables",
    "@azure/core-*",
    "@azure-rest/*",
    "@microsoft/microsoft-graph-client",
  ],
  message: "Only src/adapters/ may import an Azure SDK (docs/design.md §3).",
};
const FEATURES = [
  "access",
  "actions",
  "windows",
  "watchdog",
  "groupWatch",
  "audit",
  "health",
  "readiness",
  "evidence",
  "fleet",
];

/**
 * no-restricted-imports with the SDK rule and the folder's own patterns.
 * @param {...{ regex: string; message: string }} patterns
 */
const restrictImports = (...patterns) => ["error", { patterns: [AZURE_SDKS, ...patterns] }];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".azurite/", "test-artifacts/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/require-await": "off",
      "no-restricted-imports": restrictImports(),
    },
  },
  {
    files: ["src/ports/**/*.ts"],
    rules: {
      "no-restricted-imports": restrictImports({
        regex: "^(?!\\./|(\\.\\./)+domain/)",
        message: "A port imports only the domain (and other ports): ports own their types.",
      }),
    },
  },
  {
    // Adapters live one folder deep (src/adapters/<kind>/): "../x/" is another adapter, "../../x/" is src/x.
    files: ["src/adapters/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./){2,}(?!domain/|ports/|workflow/contracts\\.js$)",
              message: "An adapter imports only the domain, ports and workflow/contracts (and SDKs).",
            },
          ],
        },
      ],
    },
  },
  {
    files: [`src/{${FEATURES.join(",")}}/**/*.ts`],
    rules: {
      "no-restricted-imports": restrictImports({
        regex: "^(\\.\\./)+(app|http|adapters)/",
        message: "A feature never imports app/, http/ or adapters/: it is given ports.",
      }),
    },
  },
  {
    files: ["src/workflow/**/*.ts"],
    rules: {
      "no-restricted-imports": restrictImports({
        regex: `^(\\.\\./)+(app|http|adapters|${FEATURES.join("|")})/`,
        message: "The workflow never imports app/, http/, adapters/ or a feature: features call it, not the reverse.",
      }),
    },
  },
  {
    // The one seam where Durable activities are bound to the features they run (docs/design.md §3).
    files: ["src/workflow/activities.ts"],
    rules: {
      "no-restricted-imports": restrictImports({
        regex: "^(\\.\\./)+(app|http|adapters)/",
        message: "The workflow never imports app/, http/ or adapters/: it is given ports.",
      }),
    },
  },
  {
    files: ["src/http/**/*.ts"],
    rules: {
      "no-restricted-imports": restrictImports({
        regex: "^(\\.\\./)+(app|adapters)/",
        message: "http/ never imports adapters/ (it is given ports) nor app/ (which wires it).",
      }),
    },
  },
  {
    // The one JavaScript file: the `breakglass` launcher, run by Node.
    files: ["bin/**/*.js"],
    languageOptions: { globals: { process: "readonly" } },
  },
  {
    files: ["dev/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    // Vitest's asymmetric matchers (expect.any, expect.stringContaining) are typed any.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  {
    files: ["src/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?!\\./|node:crypto$)",
              message: "The domain is pure: no SDKs, no I/O, only other domain modules (and node:crypto, for hashes).",
            },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: "The domain takes time as a parameter.",
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "The domain takes time as a parameter.",
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: "The domain is deterministic.",
        },
      ],
    },
  },
  {
    // Small units: a longer function or file asks to be split (a schema declaration is data, not a function).
    files: ["src/**/*.ts"],
    rules: {
      "max-lines": ["error", { max: 300 }],
      "max-lines-per-function": ["error", { max: 80 }],
    },
  },
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
);
