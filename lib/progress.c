#include <stddef.h>

#include "sfa/progress.h"
#include "sfa/banned.h"

static sfa_progress_fn hook;

void sfa_progress_set(sfa_progress_fn fn)
{
	hook = fn;
}

void sfa_progress(const char *what, unsigned long long done, unsigned long long total)
{
	if (hook)
		hook(what, done, total);
}
