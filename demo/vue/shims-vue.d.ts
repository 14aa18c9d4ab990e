// Lets plain `tsc` type-check main.ts's import of App.vue (vue-tsc and the Vue editor extension read the SFC itself).
declare module '*.vue' {
  const component: import('vue').DefineComponent;
  export default component;
}
