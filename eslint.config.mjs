// Lint rules: typescript-eslint's recommended set, with `any` forbidden in our own code, and the
// layering rule: I/O only at the edge.
import tseslint from "typescript-eslint";

/**
 * Modules that talk to the world: files, processes, sockets, HTTP, threads, the host, Redis, AWS,
 * Kubernetes, the Pulumi CLI (Automation API). Pure modules (planners, judges, registries,
 * ports) may import their types (`import type`, erased at compile time), never their code.
 *
 * Not on the list, on purpose: `node:path`, `node:crypto` (names and random ids, no I/O),
 * `yaml`, `@pulumi/pulumi` (the program model: outputs, StackReference; resources are made in
 * components/), the `@pulumi/*` providers' enums and types.
 *
 * What an import rule cannot see: reads of the clock and the environment (`Date.now()`,
 * `process.env`, `process.stderr.write`) and calls on a client a module is handed. Those are
 * allowed outside io/ where they are ports (an injected `Clock`, clients passed in, so tests
 * hand moto, aws-sdk-client-mock or fakes). What a module outside io/ may not do is load an I/O
 * package, or the code of an io/ module (which would reach the same I/O one import later). A
 * module goes in io/ when it loads an I/O package or makes its own clients, connections or
 * processes.
 */
const IO_MODULES = [
  "fs",
  "fs/*",
  "child_process",
  "net",
  "tls",
  "http",
  "https",
  "http2",
  "dgram",
  "dns",
  "dns/*",
  "readline",
  "cluster",
  "worker_threads",
  "os",
  "inspector",
];
const IO_PACKAGES = [
  "ioredis",
  "@aws-sdk/*",
  "@smithy/*",
  "@kubernetes/client-node",
  "@pulumi/pulumi/automation",
  "@pulumi/pulumi/automation/*",
  "tar",
];
const IO_NAMES = [...IO_MODULES.flatMap((m) => [m, `node:${m}`]), ...IO_PACKAGES];
// Exact names as `paths`; the wildcards as `patterns` (gitignore-style: a bare name there would
// also match a relative import of a file of that name).
const IO_PATHS = IO_NAMES.filter((n) => !n.includes("*"));
const IO_GLOBS = IO_NAMES.filter((n) => n.includes("*"));
/** The same list as one regular expression, for `require(...)` and `import(...)` calls. */
const IO_REGEX =
  `/^(node:)?(${IO_MODULES.map((m) => m.replace("/*", "(/.*)?")).join("|")})$|^(${IO_PACKAGES.map(
    (p) => p.replace("/*", "/.*"),
  ).join("|")})$/`.replace(/(?<!^)\/(?!$)/g, "\\/");
const MESSAGE =
  "I/O lives at the edge: move this module under an io/ folder (lib/<concern>/io/), or import only its types (import type)";

/** Where I/O is allowed: io/ folders, the thin shells, the program's composition, tests. */
const EDGE = [
  "**/io/**",
  "cli/**",
  "bench/**",
  "components/**",
  "index.ts",
  "stack.ts",
  "foundation.ts",
  "tests/**",
  "examples/**",
];

export default tseslint.config(
  { ignores: ["node_modules/**", "bin/**", "drill-output/**", ".pulumi-state/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.ts"],
    ignores: EDGE,
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: IO_PATHS.map((name) => ({ name, message: MESSAGE, allowTypeImports: true })),
          patterns: [
            { group: IO_GLOBS, message: MESSAGE, allowTypeImports: true },
            {
              // Our own io/ modules too, so that nothing outside io/ reaches I/O through an
              // import. The one exception is the AWS SDK gateway: it loads the SDK when called
              // and does no I/O itself (a paginator or command needs a client it is handed).
              regex: "(^|/)io/(?!sdk$)[^/]+$",
              message: MESSAGE,
              allowTypeImports: true,
            },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: `CallExpression[callee.name='require'][arguments.0.value=${IO_REGEX}]`,
          message: MESSAGE,
        },
        { selector: `ImportExpression[source.value=${IO_REGEX}]`, message: MESSAGE },
      ],
    },
  },
);
