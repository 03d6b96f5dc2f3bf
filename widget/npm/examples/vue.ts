// Compiled by the type test (`tsc --noEmit`): the element from Vue's render function, and the
// element's DOM types.
import { defineComponent, h, onMounted, ref } from 'vue';

import { loadHireWithRemote, type HireErrorDetail, type HireSuccessDetail } from 'hire-with-remote';

export default defineComponent({
  props: { token: { type: String, required: true } },
  setup(props) {
    const hired = ref<string | null>(null);
    onMounted(async () => {
      await loadHireWithRemote('https://hire.example.com');
      const element = document.querySelector('hire-with-remote');
      if (element) element.fetchToken = async () => props.token;
    });
    return () =>
      h('hire-with-remote', {
        backend: 'https://hire.example.com',
        token: props.token,
        'full-name': 'Ana Silva',
        'country-code': 'PT',
        'onHwr:success': (event: CustomEvent<HireSuccessDetail>) => {
          hired.value = event.detail.employment_id;
        },
        'onHwr:error': (event: CustomEvent<HireErrorDetail>) => console.warn(event.detail.code),
      });
  },
});

const element = document.createElement('hire-with-remote');
element.addEventListener('hwr:success', (event) => console.log(event.detail.redirect_url));
// @ts-expect-error: the detail of hwr:error has no employment_id
element.addEventListener('hwr:error', (event) => console.log(event.detail.employment_id));
