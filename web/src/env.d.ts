// Stylesheets are bundled by esbuild (web/build.ts); importing one has no value in TypeScript.
declare module '*.css';
