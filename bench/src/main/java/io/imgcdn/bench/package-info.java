/**
 * The {@code bench} command line: one entry point over the benchmark, workload and report tools.
 */
@NullMarked
package io.imgcdn.bench;

import org.jspecify.annotations.NullMarked;
