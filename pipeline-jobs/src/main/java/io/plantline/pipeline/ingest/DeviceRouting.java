package io.plantline.pipeline.ingest;

import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Which subtask a device's records reach when the stream is keyed by device, as it is from the duplicate filter on.
 * An operator chained after that, holding per-device state on its heap as union operator state, keeps after a
 * restore only the devices that will be routed to it.
 */
public final class DeviceRouting {

    private DeviceRouting() {
    }

    public static boolean routedHere(TaskInfo task, String deviceKey) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(deviceKey, task.getMaxNumberOfParallelSubtasks(),
                task.getNumberOfParallelSubtasks()) == task.getIndexOfThisSubtask();
    }
}
