// The layering of the extension, kept by a tool (test/unit/lint.test.ts runs ESLint on the tree and on
// deliberate violations):
//   src/core/**     all logic; no `vscode`, no UI, no webview code
//   src/common/**   what both sides of a webview share (message contracts, their checks); no `vscode`, no values from core
//   src/webview/**  the panels' browser code; no `vscode`, only types from core
//   src/ui/**       thin VS Code glue
//   src/cli/**      thin command-line glue (no `vscode`)
// and src/core/kube is the one way to the cluster: client-node's makeApiClient only there, and no
// feature reaches into Sock Shop's own files (src/core/sockshop) but Sock Shop itself and its UI.
import tseslint from 'typescript-eslint';

const noVscode = { name: 'vscode', message: 'src/core, src/common and src/webview run without VS Code: keep `vscode` in src/ui.' };
const sockShopInternals = {
  group: ['**/core/sockshop/*', '**/sockshop/*'],
  message: 'Sock Shop\'s own files are its feature\'s: shared Kubernetes plumbing lives in src/core/kube.',
};
const makeApiClient = {
  selector: "CallExpression[callee.property.name='makeApiClient']",
  message: 'Reach the cluster through src/core/kube (apiClient keeps connections alive).',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.lab/**', 'test-results/**', 'test/**', '*.mjs'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-restricted-syntax': ['error', makeApiClient],
      'no-debugger': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/core/kube/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/sockshop/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            sockShopInternals,
            { group: ['**/ui/*', '**/ui'], message: 'src/core does not depend on the UI.' },
            { group: ['**/webview/*'], message: 'src/core does not depend on webview code; contracts are in src/common/contracts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/sockshop/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            { group: ['**/ui/*', '**/ui'], message: 'src/core does not depend on the UI.' },
            { group: ['**/webview/*'], message: 'src/core does not depend on webview code; contracts are in src/common/contracts.' },
          ],
        },
      ],
    },
  },
  {
    // Command-line front ends: like src/ui, thin glue over src/core, but without VS Code.
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [{ group: ['**/ui/*', '**/ui', '**/webview/*'], message: 'src/cli runs without VS Code: it uses src/core only.' }],
        },
      ],
    },
  },
  {
    files: ['src/common/**/*.ts', 'src/webview/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            { group: ['**/core/*', '**/core/**'], allowTypeImports: true, message: 'Only types from src/core cross into webview and shared code (the webview bundle must not pull host code).' },
            { group: ['**/ui/*', '**/ui'], message: 'Webview and shared code do not depend on the extension host UI.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ui/**/*.ts'],
    ignores: ['src/ui/sockshop/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/core/sockshop/*'], message: sockShopInternals.message }] }],
    },
  },
);
