/* summary: placeholder until the parser lands */
typedef int vigil_files_placeholder;
