/*
 * ack_codes.c - descriptions of TA1/997/999 codes, worded for people.
 * Codes and meanings follow shared/reference/ack-codes.md.
 */
#include "edigate/ack_codes.h"

#include <string.h>

typedef struct entry {
	const char *code, *text;
} entry;

static const entry ta105[] = {
	{"000", "no error"},
	{"001", "interchange control numbers in ISA and IEA do not match"},
	{"002", "the standard in the control standards identifier is not supported"},
	{"003", "this version of the controls is not supported"},
	{"004", "the segment terminator is invalid"},
	{"005", "invalid sender ID qualifier"},
	{"006", "invalid sender ID"},
	{"007", "invalid receiver ID qualifier"},
	{"008", "invalid receiver ID"},
	{"009", "unknown receiver ID"},
	{"010", "invalid authorization information qualifier"},
	{"011", "invalid authorization information"},
	{"012", "invalid security information qualifier"},
	{"013", "invalid security information"},
	{"014", "invalid interchange date"},
	{"015", "invalid interchange time"},
	{"016", "invalid interchange standards identifier"},
	{"017", "invalid interchange version ID"},
	{"018", "invalid interchange control number"},
	{"019", "invalid acknowledgment requested value"},
	{"020", "invalid test indicator"},
	{"021", "invalid number of included groups"},
	{"022", "invalid control structure"},
	{"023", "improper (premature) end of file"},
	{"024", "invalid interchange content (e.g. an invalid GS)"},
	{"025", "duplicate interchange control number"},
	{"026", "invalid data element separator"},
	{"027", "invalid component element separator"},
	{"028", "invalid delivery date in deferred delivery request"},
	{"029", "invalid delivery time in deferred delivery request"},
	{"030", "invalid delivery time code in deferred delivery request"},
	{"031", "invalid grade of service code"},
	{"032", "invalid repetition separator"},
	{"033", "unexpected interchange syntax extension (ISX) segment"},
	{"034", "invalid release character"},
	{"035", "invalid character encoding value"},
	{"036", "invalid overriding X12 version/release/subrelease code"},
	{"037", "unknown industry identifier"},
	{"038", "overriding X12 version/release/subrelease code not supported"},
	{NULL, NULL}};

static const entry ak304[] = {
	{"1", "unrecognized segment ID"},
	{"2", "unexpected segment"},
	{"3", "mandatory (required) segment missing"},
	{"4", "loop occurs over maximum times"},
	{"5", "segment exceeds maximum use"},
	{"6", "segment not in defined transaction set"},
	{"7", "segment not in proper sequence"},
	{"8", "segment has data element errors"},
	{"I4", "implementation \"not used\" segment present"},
	{"I6", "implementation dependent segment missing"},
	{"I7", "implementation loop occurs under minimum times"},
	{"I8", "implementation segment below minimum use"},
	{"I9", "implementation dependent \"not used\" segment present"},
	{NULL, NULL}};

static const entry ak403[] = {
	{"1", "mandatory (required) data element missing"},
	{"2", "conditional required data element missing"},
	{"3", "too many data elements"},
	{"4", "data element too short"},
	{"5", "data element too long"},
	{"6", "invalid character in data element"},
	{"7", "invalid code value"},
	{"8", "invalid date"},
	{"9", "invalid time"},
	{"10", "exclusion condition violated"},
	{"12", "too many repetitions"},
	{"13", "too many components"},
	{"I6", "code value not used in implementation"},
	{"I9", "implementation dependent data element missing"},
	{"I10", "implementation \"not used\" data element present"},
	{"I11", "implementation too few repetitions"},
	{"I12", "implementation pattern match failure"},
	{"I13", "implementation dependent \"not used\" data element present"},
	{NULL, NULL}};

static const entry ak501[] = {
	{"A", "accepted"},
	{"E", "accepted, but errors were noted"},
	{"M", "rejected, message authentication code (MAC) failed"},
	{"P", "partially accepted, at least one transaction set was rejected"},
	{"R", "rejected"},
	{"W", "rejected, assurance failed validity tests"},
	{"X", "rejected, content after decryption could not be analyzed"},
	{NULL, NULL}};

static const entry ak502[] = {
	{"1", "transaction set not supported"},
	{"2", "transaction set trailer missing"},
	{"3", "control numbers in ST and SE do not match"},
	{"4", "number of included segments does not match the actual count"},
	{"5", "one or more segments in error"},
	{"6", "missing or invalid transaction set identifier"},
	{"7", "missing or invalid transaction set control number"},
	{"8", "authentication key name unknown"},
	{"9", "encryption key name unknown"},
	{"10", "requested service (authentication or encryption) not available"},
	{"11", "unknown security recipient"},
	{"12", "incorrect message length (encryption only)"},
	{"13", "message authentication code failed"},
	{"15", "unknown security originator"},
	{"16", "syntax error in decrypted text"},
	{"17", "security not supported"},
	{"18", "transaction set not in functional group"},
	{"19", "invalid transaction set implementation convention reference"},
	{"23", "transaction set control number not unique within the group"},
	{"I5", "implementation: one or more segments in error"},
	{"I6", "implementation convention not supported"},
	{NULL, NULL}};

static const entry ak905[] = {
	{"1", "functional group not supported"},
	{"2", "functional group version not supported"},
	{"3", "functional group trailer missing"},
	{"4", "group control numbers in GS and GE do not agree"},
	{"5", "number of included transaction sets does not match the count"},
	{"6", "group control number violates syntax"},
	{"7", "invalid application sender's code"},
	{"8", "invalid application receiver's code"},
	{"9", "invalid responsible agency code"},
	{"10", "authentication key name unknown"},
	{"11", "encryption key name unknown"},
	{"12", "requested service (authentication or encryption) not available"},
	{"13", "unknown security recipient"},
	{"14", "unknown security originator"},
	{"15", "syntax error in decrypted text"},
	{"16", "security not supported"},
	{"17", "incorrect message length (encryption only)"},
	{"18", "message authentication code failed"},
	{"19", "group control number not unique within the interchange"},
	{"30", "invalid group date"},
	{"31", "invalid group time"},
	{NULL, NULL}};

/* EDIFACT 0083 and 0085 (ack-codes.md 4.6). */
static const entry c0083[] = {
	{"4", "rejected, with everything below it"},
	{"7", "acknowledged; what is below too, unless rejected there"},
	{"8", "received; no check reported"},
	{"1", "acknowledged (withdrawn code)"},
	{"2", "acknowledged, errors detected and reported (withdrawn code)"},
	{"3", "one or more rejected at the next lower level (withdrawn code)"},
	{"5", "UNB/UNZ accepted (withdrawn code)"},
	{"6", "UNB/UNZ rejected (withdrawn code)"},
	{NULL, NULL}};

static const entry c0085[] = {
	{"1", "UNA not supported (withdrawn code)"},
	{"2", "syntax version or level not supported"},
	{"3", "message version/release not supported (withdrawn code)"},
	{"4", "service segment missing or invalid (withdrawn code)"},
	{"5", "trailer check in error (withdrawn code)"},
	{"6", "data segment missing or invalid (withdrawn code)"},
	{"7", "interchange recipient not the actual recipient"},
	{"8", "too many data elements in segment (withdrawn code)"},
	{"9", "mandatory data element missing (withdrawn code)"},
	{"10", "data element attribute error (withdrawn code)"},
	{"11", "password invalid (withdrawn code)"},
	{"12", "invalid value"},
	{"13", "missing"},
	{"14", "value not supported in this position"},
	{"15", "not supported in this position"},
	{"16", "too many constituents"},
	{"17", "no agreement"},
	{"18", "unspecified error"},
	{"19", "invalid decimal notation"},
	{"20", "character invalid as service character"},
	{"21", "invalid character(s)"},
	{"22", "invalid service character(s)"},
	{"23", "unknown interchange sender"},
	{"24", "too old"},
	{"25", "test indicator not supported"},
	{"26", "duplicate detected"},
	{"27", "security function not supported"},
	{"28", "references do not match"},
	{"29", "control count does not match the number of instances received"},
	{"30", "groups and messages/packages mixed"},
	{"31", "more than one message type in group"},
	{"32", "lower level empty"},
	{"33", "invalid occurrence outside message, package or group"},
	{"34", "nesting indicator not allowed"},
	{"35", "too many data element or segment repetitions"},
	{"36", "too many segment group repetitions"},
	{"37", "invalid type of character(s)"},
	{"38", "missing digit in front of decimal sign"},
	{"39", "data element too long"},
	{"40", "data element too short"},
	{"41", "permanent communication network error"},
	{"42", "temporary communication network error"},
	{"43", "unknown interchange recipient"},
	{"45", "trailing separator"},
	{"46", "character set not supported"},
	{"47", "envelope functionality not supported"},
	{"48", "dependency notes condition violated"},
	{NULL, NULL}};

const char *
eg_ack_code_text(eg_code_table t, const char *code)
{
	const entry *e;

	switch (t) {
	case EG_CODES_TA105:
		e = ta105;
		break;
	case EG_CODES_AK304:
		e = ak304;
		break;
	case EG_CODES_AK403:
		e = ak403;
		break;
	case EG_CODES_AK501:
	case EG_CODES_AK901:
		e = ak501;
		break;
	case EG_CODES_AK502:
		e = ak502;
		break;
	case EG_CODES_0083:
		e = c0083;
		break;
	case EG_CODES_0085:
		e = c0085;
		break;
	default:
		e = ak905;
		break;
	}
	for (; code && e->code; e++)
		if (strcmp(e->code, code) == 0)
			return e->text;
	return "unknown code";
}
