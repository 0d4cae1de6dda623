#!/usr/bin/env bash
# Regenerates the derived test images in this folder from real photographs in Debian packages.
# Needs (Debian 12): apt-get install -y python3-skimage mate-backgrounds imagemagick \
#   libimage-exiftool-perl colord-data libvips-tools   (or extract the .debs with dpkg -x and set the paths)
# Output is committed; tests never run this script.
set -euo pipefail
SK=${SK:-/usr/lib/python3/dist-packages/skimage/data}
MATE=${MATE:-/usr/share/backgrounds/mate}
ICC=${ICC:-/usr/share/color/icc/colord}
cd "$(dirname "$0")"

# Copied unchanged.
cp "$SK/rocket.jpg" rocket.jpg
cp "$SK/truncated.jpg" truncated.jpg
cp "$SK/no_time_for_that_tiny.gif" animated.gif
cp "$SK/palette_color.png" palette-tiny.png
cp "$MATE/nature/FreshFlower.jpg" progressive.jpg

# Upright reference: Chelsea the cat (CC0), 300x200, baseline JPEG q92.
convert "$SK/chelsea.png" -resize 300x200 -quality 92 chelsea.jpg

# EXIF orientation 2..8: store the pixels so that applying the tag gives chelsea.jpg back.
declare -A OP=([2]="-flop" [3]="-rotate 180" [4]="-flip" [5]="-transpose" [6]="-rotate 270" [7]="-transverse" [8]="-rotate 90")
for n in 2 3 4 5 6 7 8; do
  convert chelsea.jpg ${OP[$n]} -quality 92 "chelsea-orientation-$n.jpg"
  exiftool -q -n -overwrite_original "-Orientation=$n" "chelsea-orientation-$n.jpg"
done

# 4-channel JPEGs without a profile. ImageMagick's libjpeg writes CMYK as YCCK (Adobe marker
# transform=2); libvips re-saves the same samples as plain CMYK (Adobe transform=0).
convert chelsea.jpg -colorspace CMYK -quality 92 chelsea-ycck.jpg
vips jpegsave chelsea-ycck.jpg chelsea-cmyk.jpg --Q 92

# 16-bit RGB PNG and an 8-bit palette PNG (64 colours).
convert chelsea.jpg -depth 16 PNG48:chelsea-16bit.png
convert chelsea.jpg -colors 64 PNG8:chelsea-palette.png

# Wide-gamut: pixels converted to ProPhoto RGB, profile embedded. Correct engines convert back.
convert chelsea.jpg -profile "$ICC/sRGB.icc" -profile "$ICC/ProPhotoRGB.icc" -quality 92 chelsea-prophoto.jpg

# A small progressive JPEG (the mutation test decodes it many times).
convert chelsea.jpg -interlace JPEG -quality 92 chelsea-progressive.jpg

# The same wide-gamut picture as PNG (iCCP chunk), which the JDK's PNG reader ignores.
convert chelsea.jpg -profile "$ICC/sRGB.icc" -profile "$ICC/ProPhotoRGB.icc" chelsea-prophoto.png
