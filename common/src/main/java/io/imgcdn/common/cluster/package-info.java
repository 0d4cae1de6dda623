/** Cluster membership: the cluster file, the view of it a node holds, and node health. */
@NullMarked
package io.imgcdn.common.cluster;

import org.jspecify.annotations.NullMarked;
