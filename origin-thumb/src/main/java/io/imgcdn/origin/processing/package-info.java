/** Making thumbnails: the pipeline of steps and the image engines (libvips, Java ImageIO). */
@NullMarked
package io.imgcdn.origin.processing;

import org.jspecify.annotations.NullMarked;
