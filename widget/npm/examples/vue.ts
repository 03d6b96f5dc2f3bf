// Compiled by the type test (`tsc --noEmit`): the element from Vue's render function, and the
// element's DOM types.
import { defineComponent, h, onMounted, ref } from 'vue';

import {
  HWR_EVENTS,
  loadHireWithRemote,
  type HireErrorDetail,
  type HireStatusDetail,
  type HireSuccessDetail,
} from 'hire-with-remote';

export default defineComponent({
  props: { token: { type: String, required: true } },
  setup(props) {
    const hired = ref<string | null>(null);
    const status = ref<string | null>(null);
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
        'onHwr:status': (event: CustomEvent<HireStatusDetail>) => {
          status.value = event.detail.status;
        },
      });
  },
});

const element = document.createElement('hire-with-remote');
element.addEventListener('hwr:success', (event) => console.log(event.detail.redirect_url));
// @ts-expect-error: the detail of hwr:error has no employment_id
element.addEventListener('hwr:error', (event) => console.log(event.detail.employment_id));
element.addEventListener('hwr:success', (event) => {
  const alreadyHired: boolean = event.detail.already_hired;
  console.log(alreadyHired);
});
element.addEventListener(HWR_EVENTS.status, (event) => {
  const detail: { hire_id: string; employment_id: string; status: string } = event.detail;
  console.log(detail.hire_id, detail.employment_id, detail.status);
});
// @ts-expect-error: the detail of hwr:status has no redirect_url
element.addEventListener('hwr:status', (event) => console.log(event.detail.redirect_url));
