// Supplies std::ios_base_library_init() under version GLIBCXX_3.4.32 for systems whose
// libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04). GCC 13 headers make every object
// that includes <iostream> reference this function so iostreams are initialised once in
// the library; older libstdc++ lacks it, so we initialise them here instead.
#include <ios>

namespace std { void ios_base_library_init(); }

void std::ios_base_library_init()
{
    static std::ios_base::Init init;
}

namespace { struct EagerInit { EagerInit() { std::ios_base_library_init(); } } eager; }
