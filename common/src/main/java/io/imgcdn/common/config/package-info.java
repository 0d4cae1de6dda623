/** Node settings: parsing, defaults and validation. */
@NullMarked
package io.imgcdn.common.config;

import org.jspecify.annotations.NullMarked;
