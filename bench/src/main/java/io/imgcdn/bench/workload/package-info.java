/** Synthetic workloads: key and size distributions, traces, and uploading their objects. */
@NullMarked
package io.imgcdn.bench.workload;

import org.jspecify.annotations.NullMarked;
