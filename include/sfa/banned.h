/*
 * Functions that invite buffer overruns. Included last by every file of
 * ours so a use fails to compile; use sfa_buf or snprintf instead.
 */
#ifndef SFA_BANNED_H
#define SFA_BANNED_H

#define SFA_BANNED(f) sorry_##f##_is_banned_in_sfa

#undef strcpy
#define strcpy(a, b) SFA_BANNED(strcpy)
#undef strcat
#define strcat(a, b) SFA_BANNED(strcat)
#undef strncpy
#define strncpy(a, b, n) SFA_BANNED(strncpy)
#undef strncat
#define strncat(a, b, n) SFA_BANNED(strncat)
#undef sprintf
#define sprintf(...) SFA_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) SFA_BANNED(vsprintf)
#undef gets
#define gets(a) SFA_BANNED(gets)
#undef strtok
#define strtok(a, b) SFA_BANNED(strtok)

#endif
