/** esbuild bundles the CSS a module imports; to TypeScript it is a side effect. */
declare module '*.css';
