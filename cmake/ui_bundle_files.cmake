# The files of the bundled web interface besides app.js, into OUT: index.html without the
# modulepreload links of the separate modules (the bundle is one file), and app.css and
# icon.svg as they are. Run as a script:
#   cmake -DSRC=web/ui -DOUT=dir -P ui_bundle_files.cmake
file(STRINGS "${SRC}/index.html" lines ENCODING UTF-8)
set(html "")
foreach(line IN LISTS lines)
  if(line MATCHES "rel=\"modulepreload\"" OR line MATCHES "asked for at once rather than one import level")
    continue()
  endif()
  string(APPEND html "${line}\n")
endforeach()
file(WRITE "${OUT}/index.html.tmp" "${html}")
file(COPY_FILE "${OUT}/index.html.tmp" "${OUT}/index.html" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}/index.html.tmp")
foreach(name app.css icon.svg)
  file(COPY_FILE "${SRC}/${name}" "${OUT}/${name}" ONLY_IF_DIFFERENT)
endforeach()
