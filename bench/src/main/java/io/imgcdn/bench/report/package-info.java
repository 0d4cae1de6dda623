/** Result output: Markdown tables and SVG charts. */
@NullMarked
package io.imgcdn.bench.report;

import org.jspecify.annotations.NullMarked;
