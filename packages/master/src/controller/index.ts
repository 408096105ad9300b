/**
 * @module @tenantry/master/controller: the master's controller, which the scheduler mounts when
 * IS_MASTER=true: the reconciler (provisioning queue worker and periodic resync) with the driver its
 * configuration names, the analytics consumer, and idle freezing.
 */
import type { Logger } from '@tenantry/core';
import type { MasterConfig } from '../config.js';
import { startAnalyticsConsumer } from './analytics-consumer.js';
import { startIdleFreezing } from './idle-freezing.js';
import type { ControllerPod } from './pod.js';
import { startProvisioning } from './provisioning.js';

export { readControllerConfig, type MasterConfig } from '../config.js';
export type { ControllerPod } from './pod.js';

/** Starts the master's controller with its settings (readControllerConfig); resolves to its stop. */
export async function startMasterController(pod: ControllerPod, config: MasterConfig, log: Logger): Promise<() => Promise<void>> {
  const provisioning = await startProvisioning(pod, config, log);
  try {
    const analytics = await startAnalyticsConsumer(pod, config, log);
    const stopFreezing = startIdleFreezing(provisioning, config, analytics.traffic, log);
    return async () => {
      await stopFreezing();
      await analytics.stop();
      await provisioning.stop();
    };
  } catch (err) {
    await provisioning.stop();
    throw err;
  }
}
