/** Image URLs: parsing and encoding the keys and variants every tier agrees on. */
@NullMarked
package io.imgcdn.common.url;

import org.jspecify.annotations.NullMarked;
