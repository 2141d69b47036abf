#include <string.h>

#include "sfa/buf.h"
#include "sfa/match.h"
#include "unit.h"
#include "sfa/banned.h"

#define NONE "(no key)"

/* Results stay valid for the next three calls, so two can be compared. */
static struct sfa_buf *slot(void)
{
	static struct sfa_buf b[4] = { SFA_BUF_INIT, SFA_BUF_INIT, SFA_BUF_INIT, SFA_BUF_INIT };
	static unsigned next;

	return &b[next++ % 4];
}

/* The key, NONE when the function gives none; "(bad)" when its result and buffer disagree. */
static const char *result(struct sfa_buf *b, int ok)
{
	if (ok != 0 && ok != 1)
		return "(bad)";
	if (!ok)
		return b->len ? "(bad)" : NONE;
	return b->len ? b->buf : "(bad)";
}

/* A result buffer holding stale text: every key function must clear `out` first. */
static struct sfa_buf *stale(void)
{
	struct sfa_buf *b = slot();

	sfa_buf_addstr(b, "stale");
	return b;
}

static const char *email(const char *s)
{
	struct sfa_buf *b = stale();

	return result(b, sfa_match_email_key(b, s));
}

static const char *domain(const char *s)
{
	struct sfa_buf *b = stale();

	return result(b, sfa_match_email_domain(b, s));
}

static const char *phone(const char *s, const char *country)
{
	struct sfa_buf *b = stale();

	return result(b, sfa_match_phone_key(b, s, country));
}

static const char *company(const char *s)
{
	struct sfa_buf *b = stale();

	return result(b, sfa_match_company_key(b, s));
}

static const char *name(const char *first, const char *last)
{
	struct sfa_buf *b = stale();

	return result(b, sfa_match_name_key(b, first, last));
}

static const char *block(const char *first, const char *last, const char *co)
{
	struct sfa_buf *b = stale();

	return result(b, sfa_match_block_key(b, first, last, co));
}

static int near(double a, double b)
{
	return a - b < 0.00005 && b - a < 0.00005;
}

static void test_email_key(void)
{
	CHECK_STR(email("bob@acme.com"), "bob@acme.com");
	CHECK_STR(email("  Bob.Smith@ACME.Com \t\n"), "bob.smith@acme.com");

	/* gmail: dots and tags never tell mailboxes apart */
	CHECK_STR(email("J.Smith@gmail.com"), "jsmith@gmail.com");
	CHECK_STR(email("j.s.m.i.t.h+crm@Gmail.com"), "jsmith@gmail.com");
	CHECK_STR(email("jsmith@googlemail.com"), "jsmith@gmail.com");
	CHECK_STR(email("J.Smith+news@GoogleMail.COM"), "jsmith@gmail.com");
	/* everywhere else a dot is significant */
	CHECK_STR(email("j.smith@acme.com"), "j.smith@acme.com");
	CHECK(strcmp(email("j.smith@acme.com"), email("jsmith@acme.com")));
	CHECK_STR(email("j.smith@outlook.com"), "j.smith@outlook.com");
	CHECK_STR(email("j.smith@googlemail.co.uk"), "j.smith@googlemail.co.uk");

	/* plus tags only at the listed providers */
	CHECK_STR(email("ann+crm@outlook.com"), "ann@outlook.com");
	CHECK_STR(email("ann+crm@hotmail.com"), "ann@hotmail.com");
	CHECK_STR(email("ann+crm@live.com"), "ann@live.com");
	CHECK_STR(email("ann+crm@icloud.com"), "ann@icloud.com");
	CHECK_STR(email("ann+crm@me.com"), "ann@me.com");
	CHECK_STR(email("ann+crm@fastmail.com"), "ann@fastmail.com");
	CHECK_STR(email("ann+crm@protonmail.com"), "ann@protonmail.com");
	CHECK_STR(email("ann+crm@proton.me"), "ann@proton.me");
	CHECK_STR(email("ann+a+b@proton.me"), "ann@proton.me");
	CHECK_STR(email("ann+crm@acme.com"), "ann+crm@acme.com");
	CHECK_STR(email("ann+crm@yahoo.com"), "ann+crm@yahoo.com");
	CHECK_STR(email("ann+crm@hotmail.co.uk"), "ann+crm@hotmail.co.uk");
	/* a tag with no mailbox before it */
	CHECK_STR(email("+crm@gmail.com"), NONE);
	CHECK_STR(email("+crm@acme.com"), "+crm@acme.com");

	/* subdomains, hyphens, internationalized parts */
	CHECK_STR(email("x@mail.acme-corp.co.uk"), "x@mail.acme-corp.co.uk");
	CHECK_STR(email("Jos\xc3\xa9@ACME.de"), "jos\xc3\xa9@acme.de");
	CHECK_STR(email("o'neil_&-x@acme.io"), "o'neil_&-x@acme.io");

	/* not addresses */
	CHECK_STR(email(NULL), NONE);
	CHECK_STR(email(""), NONE);
	CHECK_STR(email("   "), NONE);
	CHECK_STR(email("bob"), NONE);
	CHECK_STR(email("bob@"), NONE);
	CHECK_STR(email("@x.com"), NONE);
	CHECK_STR(email("a b@c.com"), NONE);
	CHECK_STR(email("bob@acme"), NONE);
	CHECK_STR(email("bob@acme."), NONE);
	CHECK_STR(email("bob@.acme.com"), NONE);
	CHECK_STR(email("bob@acme..com"), NONE);
	CHECK_STR(email("bob@acme.c"), NONE);
	CHECK_STR(email("bob@10.0.0.1"), NONE);
	CHECK_STR(email("bob@-acme.com"), NONE);
	CHECK_STR(email("bob@acme-.com"), NONE);
	CHECK_STR(email("bob@ac me.com"), NONE);
	CHECK_STR(email("bob@acme.com@x.com"), NONE);
	CHECK_STR(email(".bob@acme.com"), NONE);
	CHECK_STR(email("bob.@acme.com"), NONE);
	CHECK_STR(email("bo..b@acme.com"), NONE);
	CHECK_STR(email("<bob@acme.com>"), NONE);
	CHECK_STR(email("bob,ann@acme.com"), NONE);
	CHECK_STR(email("b\xff@acme.com"), NONE);
	CHECK_STR(email("b\tb@acme.com"), NONE);
	/* 64 bytes of local part are allowed, 65 are not; 254 bytes in all */
	{
		char addr[300];
		memset(addr, 'a', 64);
		memcpy(addr + 64, "@x.com", 7);
		CHECK_STR(email(addr), addr);
		memset(addr, 'a', 65);
		memcpy(addr + 65, "@x.com", 7);
		CHECK_STR(email(addr), NONE);
		memset(addr, 'b', 254);
		memcpy(addr, "a@", 2);
		memcpy(addr + 250, ".com", 5);
		addr[63] = addr[126] = addr[189] = '.';
		CHECK_STR(email(addr), addr);
		memset(addr + 250, 'b', 5);
		memcpy(addr + 251, ".com", 5);
		CHECK_STR(email(addr), NONE);
	}
}

static void test_email_domain(void)
{
	CHECK_STR(domain("bob@Acme.COM"), "acme.com");
	CHECK_STR(domain(" j.smith+x@sales.acme.co.uk "), "sales.acme.co.uk");
	CHECK_STR(domain("bob@nordic-pumps.de"), "nordic-pumps.de");

	/* free-mail says nothing about the company */
	CHECK_STR(domain("bob@gmail.com"), NONE);
	CHECK_STR(domain("bob@GoogleMail.com"), NONE);
	CHECK_STR(domain("bob@yahoo.com"), NONE);
	CHECK_STR(domain("bob@yahoo.de"), NONE);
	CHECK_STR(domain("bob@yahoo.co.uk"), NONE);
	CHECK_STR(domain("bob@yahoo.com.br"), NONE);
	CHECK_STR(domain("bob@hotmail.com"), NONE);
	CHECK_STR(domain("bob@hotmail.fr"), NONE);
	CHECK_STR(domain("bob@outlook.com"), NONE);
	CHECK_STR(domain("bob@live.com"), NONE);
	CHECK_STR(domain("bob@icloud.com"), NONE);
	CHECK_STR(domain("bob@me.com"), NONE);
	CHECK_STR(domain("bob@aol.com"), NONE);
	CHECK_STR(domain("bob@gmx.de"), NONE);
	CHECK_STR(domain("bob@gmx.net"), NONE);
	CHECK_STR(domain("bob@web.de"), NONE);
	CHECK_STR(domain("bob@mail.ru"), NONE);
	CHECK_STR(domain("bob@yandex.ru"), NONE);
	CHECK_STR(domain("bob@qq.com"), NONE);
	CHECK_STR(domain("bob@163.com"), NONE);
	CHECK_STR(domain("bob@126.com"), NONE);
	CHECK_STR(domain("bob@proton.me"), NONE);
	CHECK_STR(domain("bob@protonmail.com"), NONE);
	CHECK_STR(domain("bob@fastmail.com"), NONE);
	CHECK_STR(domain("bob@abv.bg"), NONE);
	/* a company's own host that only starts like a provider */
	CHECK_STR(domain("bob@yahoo.acme.com"), "yahoo.acme.com");
	CHECK_STR(domain("bob@live.example.co.uk"), "live.example.co.uk");
	CHECK_STR(domain("bob@mygmail.com"), "mygmail.com");
	CHECK_STR(domain("bob@gmail.com.acme.io"), "gmail.com.acme.io");
	CHECK_STR(domain("bob@webde.com"), "webde.com");

	CHECK_STR(domain(NULL), NONE);
	CHECK_STR(domain(""), NONE);
	CHECK_STR(domain("acme.com"), NONE);
	CHECK_STR(domain("bob@"), NONE);
	CHECK_STR(domain("bob@acme"), NONE);
}

static void test_phone_key(void)
{
	/* one US number written five ways */
	CHECK_STR(phone("+1 (555) 010-2000", NULL), "+15550102000");
	CHECK_STR(phone("+1 (555) 010-2000", "DE"), "+15550102000");
	CHECK_STR(phone("001 555 010 2000", NULL), "+15550102000");
	CHECK_STR(phone("001 555 010 2000", "us"), "+15550102000");
	CHECK_STR(phone("555-010-2000", "US"), "+15550102000");
	CHECK_STR(phone("1-555-010-2000", "US"), "+15550102000");
	CHECK_STR(phone("(555) 010.2000", "ca"), "+15550102000");
	CHECK_STR(phone("011 1 555 010 2000", "US"), "+15550102000");
	/* a 10-digit US number starting with 1 keeps it */
	CHECK_STR(phone("155-501-0200", "US"), "+11555010200");

	/* Germany: trunk 0 at home, none from abroad */
	CHECK_STR(phone("+49 30 1234567", NULL), "+49301234567");
	CHECK_STR(phone("030 1234567", "DE"), "+49301234567");
	CHECK_STR(phone("030/123 45 67", "de"), "+49301234567");
	CHECK_STR(phone("0049 30 1234567", "FR"), "+49301234567");
	CHECK_STR(phone("+49 (0)30 1234567", NULL), "+49301234567");
	CHECK_STR(phone("+49 030 1234567", NULL), "+49301234567");
	/* 00 is the international prefix whatever the country */
	CHECK_STR(phone("0030 1234567", "DE"), "+301234567");
	CHECK_STR(phone("+44 (0)20 7946 0000", NULL), "+442079460000");
	CHECK_STR(phone("020 7946 0000", "GB"), "+442079460000");
	CHECK_STR(phone("020 7946 0000", "UK"), "+442079460000");
	CHECK_STR(phone("0888 123 456", "BG"), "+359888123456");
	CHECK_STR(phone("03-1234-5678", "JP"), "+81312345678");
	CHECK_STR(phone("0912 345 678", "TW"), "+886912345678");
	CHECK_STR(phone("138 0013 8000", "CN"), "+8613800138000");
	/* Italy keeps its leading 0, from abroad too */
	CHECK_STR(phone("06 1234 5678", "IT"), "+390612345678");
	CHECK_STR(phone("+39 06 1234 5678", NULL), "+390612345678");
	/* Russia dials 8 before the 10-digit number */
	CHECK_STR(phone("8 (495) 123-45-67", "RU"), "+74951234567");
	CHECK_STR(phone("+7 495 123 45 67", NULL), "+74951234567");

	/* extensions are not part of the number */
	CHECK_STR(phone("+1 555 010 2000 x123", NULL), "+15550102000");
	CHECK_STR(phone("+1 555 010 2000 ext. 123", NULL), "+15550102000");
	CHECK_STR(phone("+1 555 010 2000 EXT 123", NULL), "+15550102000");
	CHECK_STR(phone("555-010-2000#45", "US"), "+15550102000");
	CHECK_STR(phone("555-010-2000,45", "US"), "+15550102000");
	/* labels before the number, fullwidth digits */
	CHECK_STR(phone("tel:+1-555-010-2000", NULL), "+15550102000");
	CHECK_STR(phone("Mobile: 030 1234567", "DE"), "+49301234567");
	CHECK_STR(phone("\xef\xbc\x8b\xef\xbc\x94\xef\xbc\x99 30 1234567", NULL), "+49301234567");

	/* unknown country: national digits without the trunk 0 and without + */
	CHECK_STR(phone("030 1234567", NULL), "301234567");
	CHECK_STR(phone("030 1234567", ""), "301234567");
	CHECK_STR(phone("030 1234567", "ZZ"), "301234567");
	CHECK_STR(phone("030 1234567", "DEU"), "301234567");
	CHECK_STR(phone("555 010 2000", NULL), "5550102000");
	CHECK_STR(phone("+359 888 123 456", NULL), "+359888123456");
	/* an unknown calling code is kept whole */
	CHECK_STR(phone("+998 90 123 45 67", NULL), "+998901234567");

	/* too short, too long, nothing */
	CHECK_STR(phone("555-0100", "US"), "+15550100");
	CHECK_STR(phone("555-010", "US"), NONE);
	CHECK_STR(phone("0555 010", "DE"), NONE);
	CHECK_STR(phone("+1 555 010", NULL), NONE);
	CHECK_STR(phone("+49 0 123456", NULL), NONE);
	CHECK_STR(phone("112", "DE"), NONE);
	CHECK_STR(phone("+1234567890123456", NULL), NONE);
	CHECK_STR(phone("+123456789012345", NULL), "+123456789012345");
	CHECK_STR(phone("12345678901234567890123456789012345", NULL), NONE);
	CHECK_STR(phone("", "US"), NONE);
	CHECK_STR(phone("+", NULL), NONE);
	CHECK_STR(phone("00", NULL), NONE);
	CHECK_STR(phone("call me", "US"), NONE);
	CHECK_STR(phone(NULL, "US"), NONE);
	CHECK_STR(phone("x 555 010 2000", "US"), "+15550102000");
}

static void test_company_key(void)
{
	CHECK_STR(company("Acme Inc."), "acme");
	CHECK_STR(company("ACME, Inc"), "acme");
	CHECK_STR(company("acme"), "acme");
	CHECK_STR(company("  Acme   Incorporated "), "acme");
	CHECK_STR(company("Acme Corp."), "acme");
	CHECK_STR(company("Acme Corporation"), "acme");
	CHECK_STR(company("Acme Co., Ltd."), "acme");
	CHECK_STR(company("Acme & Co."), "acme");
	CHECK_STR(company("Acme Company Limited"), "acme");
	CHECK_STR(company("Acme L.L.C."), "acme");
	CHECK_STR(company("Acme PLC"), "acme");
	CHECK_STR(company("Nordic Pumps GmbH"), "nordic pumps");
	CHECK_STR(company("Nordic Pumps GmbH & Co. KG"), "nordic pumps");
	CHECK_STR(company("Siemens AG"), "siemens");
	CHECK_STR(company("Renault S.A."), "renault");
	CHECK_STR(company("Renault S. A."), "renault");
	CHECK_STR(company("Renault SA"), "renault");
	CHECK_STR(company("Danone S.A.S."), "danone");
	CHECK_STR(company("Petit SARL"), "petit");
	CHECK_STR(company("Rossi S.r.l."), "rossi");
	CHECK_STR(company("Fiat S.p.A."), "fiat");
	CHECK_STR(company("Philips B.V."), "philips");
	CHECK_STR(company("Philips N.V."), "philips");
	CHECK_STR(company("Volvo AB"), "volvo");
	CHECK_STR(company("Equinor AS"), "equinor");
	CHECK_STR(company("Nokia Oy"), "nokia");
	CHECK_STR(company("Toyota K.K."), "toyota");
	CHECK_STR(company("Softuer OOD"), "softuer");
	CHECK_STR(company("Softuer EAD"), "softuer");
	/* accents and punctuation */
	CHECK_STR(company("Caf\xc3\xa9 Soci\xc3\xa9t\xc3\xa9 SARL"), "cafe societe");
	CHECK_STR(company("M\xc3\xbcller-L\xc3\xbc" "denscheid GmbH"), "muller ludenscheid");
	CHECK_STR(company("O'Reilly Media, Inc."), "oreilly media");
	CHECK_STR(company("O\xe2\x80\x99Reilly Media"), "oreilly media");
	CHECK_STR(company("AT&T Inc."), "at t");
	CHECK_STR(company("\"Quotes\" (Europe) Ltd"), "quotes europe");
	/* a legal word inside the name stays */
	CHECK_STR(company("Inc Magazine LLC"), "inc magazine");
	CHECK_STR(company("Costco Wholesale"), "costco wholesale");
	CHECK_STR(company("Sage Group"), "sage group");
	CHECK_STR(company("Acme Incubator"), "acme incubator");

	/* Cyrillic: Софтуер ООД, Софтуер ЕООД, ООО «Ромашка», Ромашка ООО, АО Газпром */
	CHECK_STR(company("\xd0\xa1\xd0\xbe\xd1\x84\xd1\x82\xd1\x83\xd0\xb5\xd1\x80 \xd0\x9e\xd0\x9e\xd0\x94"),
		  "\xd1\x81\xd0\xbe\xd1\x84\xd1\x82\xd1\x83\xd0\xb5\xd1\x80");
	CHECK_STR(company("\xd0\xa1\xd0\xbe\xd1\x84\xd1\x82\xd1\x83\xd0\xb5\xd1\x80 \xd0\x95\xd0\x9e\xd0\x9e\xd0\x94"),
		  "\xd1\x81\xd0\xbe\xd1\x84\xd1\x82\xd1\x83\xd0\xb5\xd1\x80");
	CHECK_STR(company("\xd0\x9e\xd0\x9e\xd0\x9e \xc2\xab\xd0\xa0\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x88\xd0\xba\xd0\xb0\xc2\xbb"),
		  "\xd1\x80\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x88\xd0\xba\xd0\xb0");
	CHECK_STR(company("\xd0\xa0\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x88\xd0\xba\xd0\xb0 \xd0\x9e\xd0\x9e\xd0\x9e"),
		  "\xd1\x80\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x88\xd0\xba\xd0\xb0");
	CHECK_STR(company("\xd0\x90\xd0\x9e \xd0\x93\xd0\xb0\xd0\xb7\xd0\xbf\xd1\x80\xd0\xbe\xd0\xbc"),
		  "\xd0\xb3\xd0\xb0\xd0\xb7\xd0\xbf\xd1\x80\xd0\xbe\xd0\xbc");
	/* CJK: 华为有限公司, 华为技术股份有限公司, 阿里巴巴公司, トヨタ株式会社, 株式会社トヨタ, (株)トヨタ */
	CHECK_STR(company("\xe5\x8d\x8e\xe4\xb8\xba\xe6\x9c\x89\xe9\x99\x90\xe5\x85\xac\xe5\x8f\xb8"),
		  "\xe5\x8d\x8e\xe4\xb8\xba");
	CHECK_STR(company("\xe5\x8d\x8e\xe4\xb8\xba\xe6\x8a\x80\xe6\x9c\xaf"
			  "\xe8\x82\xa1\xe4\xbb\xbd\xe6\x9c\x89\xe9\x99\x90\xe5\x85\xac\xe5\x8f\xb8"),
		  "\xe5\x8d\x8e\xe4\xb8\xba\xe6\x8a\x80\xe6\x9c\xaf");
	CHECK_STR(company("\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4\xe5\x85\xac\xe5\x8f\xb8"),
		  "\xe9\x98\xbf\xe9\x87\x8c\xe5\xb7\xb4\xe5\xb7\xb4");
	CHECK_STR(company("\xe3\x83\x88\xe3\x83\xa8\xe3\x82\xbf\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe"),
		  "\xe3\x83\x88\xe3\x83\xa8\xe3\x82\xbf");
	CHECK_STR(company("\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe\xe3\x83\x88\xe3\x83\xa8\xe3\x82\xbf"),
		  "\xe3\x83\x88\xe3\x83\xa8\xe3\x82\xbf");
	CHECK_STR(company("(\xe6\xa0\xaa)\xe3\x83\x88\xe3\x83\xa8\xe3\x82\xbf"),
		  "\xe3\x83\x88\xe3\x83\xa8\xe3\x82\xbf");
	/* fullwidth letters and the ideographic space */
	CHECK_STR(company("\xef\xbc\xa1\xef\xbd\x83\xef\xbd\x8d\xef\xbd\x85\xe3\x80\x80Inc"), "acme");

	/* nothing left */
	CHECK_STR(company(NULL), NONE);
	CHECK_STR(company(""), NONE);
	CHECK_STR(company(" ... "), NONE);
	CHECK_STR(company("Inc."), NONE);
	CHECK_STR(company("Co. Ltd"), NONE);
	CHECK_STR(company("\xe5\x85\xac\xe5\x8f\xb8"), NONE);
}

static void test_name_key(void)
{
	CHECK_STR(name("John", "Smith"), "john smith");
	CHECK_STR(name("  JOHN ", " SMITH  "), "john smith");
	CHECK_STR(name("Jos\xc3\xa9", "M\xc3\xbcller"), "jose muller");
	CHECK_STR(name("JOSE\xcc\x81", "MULLER"), "jose muller");
	CHECK_STR(name("Bj\xc3\xb8rn", "\xc3\x85str\xc3\xb6m"), "bjorn astrom");
	/* apostrophes and dots go, hyphens and commas separate */
	CHECK_STR(name("Sean", "O'Brien"), "sean obrien");
	CHECK_STR(name("Sean", "O\xe2\x80\x99" "Brien"), "sean obrien");
	CHECK_STR(name("Sean", "OBrien"), "sean obrien");
	CHECK_STR(name("J.R.R.", "Tolkien"), "jrr tolkien");
	CHECK_STR(name("Jean-Luc", "Picard"), "jean luc picard");
	CHECK_STR(name("Smith,", "John"), "smith john");
	CHECK_STR(name("Anne-Marie", "Lef\xc3\xa8vre-Dupont"), "anne marie lefevre dupont");
	/* Cyrillic: ИВАН Петров, Пётр */
	CHECK_STR(name("\xd0\x98\xd0\x92\xd0\x90\xd0\x9d", "\xd0\x9f\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2"),
		  "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd \xd0\xbf\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2");
	CHECK_STR(name("\xd0\x9f\xd1\x91\xd1\x82\xd1\x80", NULL), "\xd0\xbf\xd0\xb5\xd1\x82\xd1\x80");
	/* CJK: 伟 张 */
	CHECK_STR(name("\xe4\xbc\x9f", "\xe5\xbc\xa0"), "\xe4\xbc\x9f \xe5\xbc\xa0");
	/* either part missing */
	CHECK_STR(name("Cher", NULL), "cher");
	CHECK_STR(name("", "Cher"), "cher");
	CHECK_STR(name(NULL, "Cher"), "cher");
	CHECK_STR(name(NULL, NULL), NONE);
	CHECK_STR(name("", ""), NONE);
	CHECK_STR(name(" ", "-'."), NONE);
	/* a malformed byte is a separator, not a letter */
	CHECK_STR(name("Jo\xff" "hn", NULL), "jo hn");
}

static void test_similarity(void)
{
	CHECK(near(sfa_match_similarity("MARTHA", "MARHTA"), 0.9611));
	CHECK(near(sfa_match_similarity("DWAYNE", "DUANE"), 0.84));
	CHECK(near(sfa_match_similarity("DIXON", "DICKSONX"), 0.8133));
	/* symmetric */
	CHECK(sfa_match_similarity("MARHTA", "MARTHA") == sfa_match_similarity("MARTHA", "MARHTA"));
	CHECK(sfa_match_similarity("DUANE", "DWAYNE") == sfa_match_similarity("DWAYNE", "DUANE"));
	CHECK(sfa_match_similarity("DICKSONX", "DIXON") == sfa_match_similarity("DIXON", "DICKSONX"));
	CHECK(sfa_match_similarity("abcd", "dcba") == sfa_match_similarity("dcba", "abcd"));

	CHECK(sfa_match_similarity("john smith", "john smith") == 1.0);
	CHECK(sfa_match_similarity("", "") == 1.0);
	CHECK(sfa_match_similarity(NULL, "") == 1.0);
	CHECK(sfa_match_similarity(NULL, NULL) == 1.0);
	CHECK(sfa_match_similarity("", "a") == 0.0);
	CHECK(sfa_match_similarity("a", NULL) == 0.0);
	CHECK(sfa_match_similarity("abc", "xyz") == 0.0);
	/* two letters swapped are too far apart to match at length 2 */
	CHECK(sfa_match_similarity("ab", "ba") == 0.0);
	CHECK(near(sfa_match_similarity("a", "ab"), 0.85));
	/* only four prefix code points count */
	CHECK(near(sfa_match_similarity("abcdefgh", "abcdefgx"), 0.9500));
	CHECK(sfa_match_similarity("abcdef", "xbcdef") < sfa_match_similarity("abcdef", "abcdex"));

	/* code points, not bytes: José/Jose and 张伟/张为 are one letter apart */
	CHECK(near(sfa_match_similarity("Jos\xc3\xa9", "Jose"), 0.8833));
	CHECK(near(sfa_match_similarity("\xe5\xbc\xa0\xe4\xbc\x9f", "\xe5\xbc\xa0\xe4\xb8\xba"), 0.7000));
	CHECK(near(sfa_match_similarity("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd", "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xb0"),
		   0.96));
	/* malformed bytes are U+FFFD each, and equal to each other */
	CHECK(near(sfa_match_similarity("a\xff", "a\xfe"), 1.0));
	CHECK(near(sfa_match_similarity("a\xff", "a\xef\xbf\xbd"), 1.0));

	/* long strings take the allocating path */
	{
		char a[201], b[201];
		memset(a, 'x', 200);
		memset(b, 'x', 200);
		a[200] = b[200] = '\0';
		b[199] = 'y';
		CHECK(sfa_match_similarity(a, b) > 0.99);
		CHECK(sfa_match_similarity(a, b) < 1.0);
		CHECK(sfa_match_similarity(a, b) == sfa_match_similarity(b, a));
	}
}

static void test_block_key(void)
{
	CHECK_STR(block("John", "Smith", "Acme Inc."), "acme|js");
	CHECK_STR(block("JOHN", "smith", "ACME, Inc"), "acme|js");
	CHECK_STR(block("Jonathan", "Smithers", "acme"), "acme|js");
	CHECK_STR(block("\xc3\x89mile", "\xc3\x96zil", "Caf\xc3\xa9 GmbH"), "cafe|eo");
	CHECK_STR(block("'Ann", "O'Neil", "Acme"), "acme|ao");
	/* multi-byte initials: Иван Петров, 伟 张 */
	CHECK_STR(block("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd", "\xd0\x9f\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2",
			"\xd0\x9e\xd0\x9e\xd0\x9e \xd0\x90\xd0\xbb\xd1\x8c\xd1\x84\xd0\xb0"),
		  "\xd0\xb0\xd0\xbb\xd1\x8c\xd1\x84\xd0\xb0|\xd0\xb8\xd0\xbf");
	CHECK_STR(block("\xe4\xbc\x9f", "\xe5\xbc\xa0", "\xe5\x8d\x8e\xe4\xb8\xba\xe6\x9c\x89\xe9\x99\x90\xe5\x85\xac\xe5\x8f\xb8"),
		  "\xe5\x8d\x8e\xe4\xb8\xba|\xe4\xbc\x9f\xe5\xbc\xa0");
	/* one name is enough */
	CHECK_STR(block("John", NULL, "Acme"), "acme|j");
	CHECK_STR(block(NULL, "Smith", "Acme"), "acme|s");
	CHECK_STR(block("", "Smith", "Acme"), "acme|s");
	/* no company or no name: no block */
	CHECK_STR(block("John", "Smith", NULL), NONE);
	CHECK_STR(block("John", "Smith", ""), NONE);
	CHECK_STR(block("John", "Smith", "Ltd."), NONE);
	CHECK_STR(block(NULL, NULL, "Acme"), NONE);
	CHECK_STR(block("", "-", "Acme"), NONE);
	/* different companies or initials, different blocks */
	CHECK(strcmp(block("John", "Smith", "Acme"), block("John", "Smith", "Acme Labs")));
	CHECK(strcmp(block("John", "Smith", "Acme"), block("Jane", "Doe", "Acme")));
}

void unit_tests(void)
{
	test_email_key();
	test_email_domain();
	test_phone_key();
	test_company_key();
	test_name_key();
	test_similarity();
	test_block_key();
}
