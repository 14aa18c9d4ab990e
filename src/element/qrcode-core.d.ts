// Types for the encoder core of `qrcode` (lib/core/qrcode.js), which @types/qrcode only declares
// through the package's main module. Same `create` as `import { create } from 'qrcode'`.
declare module 'qrcode/lib/core/qrcode.js' {
  export { create } from 'qrcode';
}
