import t from 'tap';
import {
  controllerHeapLimitMiB,
  WEBHOOK_HEAP_MIB,
} from '../../../../src/controller/thread/controller-thread.js';

// The controller thread's heap is the process's limit less what the webhooks keep, so that together
// the threads stay within the limit the chart sets from the container's memory.

const MiB = 2 ** 20;

t.test("the process's heap limit less the webhooks' share", async (t) => {
  t.equal(controllerHeapLimitMiB(384 * MiB), 384 - WEBHOOK_HEAP_MIB, 'a 512 Mi container (75%: 384 MiB)');
  t.equal(controllerHeapLimitMiB(288 * MiB), 288 - WEBHOOK_HEAP_MIB, 'the default 384 Mi container');
  t.equal(controllerHeapLimitMiB(100 * MiB), 64, 'never below 64 MiB');
  t.ok(controllerHeapLimitMiB() > 64, 'from this process when not given');
});
