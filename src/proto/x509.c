/* summary: placeholder until the parser lands */
typedef int vigil_x509_placeholder;
