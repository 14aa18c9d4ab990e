// The Vue example's entry. Importing the package registers <qpay-checkout>; the type-only import adds
// its props and events to Vue's template types. vite.config.ts tells Vue's compiler the tag is a
// custom element (compilerOptions.isCustomElement), so Vue leaves it to the browser.
import 'qpay-checkout';
import type {} from 'qpay-checkout/jsx/vue';
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).mount('#app');
