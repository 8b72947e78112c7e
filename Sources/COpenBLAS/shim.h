// The system OpenBLAS, used only with the package trait OpenBLAS (libopenblas-dev on Debian).
#include <cblas.h>
