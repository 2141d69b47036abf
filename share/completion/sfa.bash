# Bash completion for sfa(1), sfa-lead(1), sfa-account(1), sfa-contact(1),
# sfa-stage(1), sfa-activity(1), sfa-report(1), sfa-quote(1) and
# sfa-mail(1).
#
# Installed in bash-completion's completions directory under the names
# "sfa", "sfa-lead", "sfa-account", "sfa-contact", "sfa-stage",
# "sfa-activity", "sfa-report", "sfa-quote" and "sfa-mail" (the same
# file); it can also be sourced directly:
#
#	. /usr/local/share/bash-completion/completions/sfa
#
# `sfa NAME ...` is completed like `sfa-NAME ...`.
#
# So are the programs of sfa-sync(1): sfa-sync, sfa-clone, sfa-remote,
# sfa-status and sfa-conflicts, and sfa-forget(1), under those names as
# well.
#
# And sfa-verify(1), the pre-receive check of a shared remote, under that
# name too.

_sfa_output_formats='csv json ndjson table ids'
_sfa_log_formats='text csv json ndjson'
_sfa_builtins='init config log reindex unlock help'
_sfa_config_verbs='list show check set'
_sfa_config_names='assignment mail maps pipelines pricebooks quotas quote.html
	quoting rates schema scoring users'
_sfa_dedupe_modes='skip merge flag off'
_sfa_date_formats='YYYY-MM-DD MM/DD/YYYY DD/MM/YYYY DD.MM.YYYY'

# Verbs and fields of the record commands: the usual columns and the
# fields of the shipped schema.
_sfa_lead_verbs='add import show list search set delete qualify disqualify
	dupes merge score assign convert'
_sfa_lead_fields='id first_name last_name company email phone mobile title
	source status owner country region city postcode industry employees
	interest language website score grade conversion_probability
	last_activity_at do_not_contact disqualified_reason account contact
	opportunity converted_at merged_from duplicate_of external_id created_at
	notes'
_sfa_lead_statuses='new working qualified disqualified converted'
_sfa_account_verbs='add import show list search set delete'
_sfa_account_fields='id name domain website industry country region city
	postcode billing_address phone employees revenue owner status parent
	lead external_id created_at notes'
_sfa_account_statuses='prospect customer former partner'
_sfa_contact_verbs='add import show list search set delete'
_sfa_contact_fields='id first_name last_name email phone mobile title account
	lead owner country city language birthday do_not_contact preferences
	external_id created_at notes'
_sfa_contact_statuses=''
# sfa-stage works on opportunities, sfa-activity on activities.
_sfa_opportunity_verbs='stages add import list search show set move won lost
	reopen history delete'
_sfa_opportunity_fields='id name account account_name contact lead amount
	currency close_date probability stage pipeline owner territory source
	next_step competitor lost_reason closed_at stage_entered_at
	last_activity_at external_id created_at notes'
_sfa_opportunity_statuses=''
_sfa_activity_verbs='log done reschedule agenda export add import list search
	show set delete'
_sfa_activity_fields='id type subject related_to related_type account owner
	due_at done done_at duration location attendees outcome sla_hours
	sla_due_at sequence external_id created_at notes'
_sfa_activity_statuses=''
_sfa_activity_types='call meeting email note task'
_sfa_closing_periods='this-month next-month last-month this-quarter
	next-quarter last-quarter this-year next-year last-year'
# sfa-report: its reports, the keys of --by (each report's extra ones
# apart), its formats and the periods most asked for.
_sfa_report_names='pipeline funnel forecast accuracy changes winloss activity
	sources leads list'
_sfa_report_keys='rep team territory source month quarter'
_sfa_report_deal_keys='pipeline product-family'
_sfa_report_formats='table csv json ndjson svg html'
_sfa_report_periods='this-month this-quarter next-quarter last-quarter
	this-year last-year'
# sfa-quote works on quotes, and with its sub-commands "product" and
# "order" on products and orders.
_sfa_quote_verbs='new add-line remove-line set show list search check revise
	approve reject send accept decline primary render product order'
_sfa_quote_fields='id number version revises opportunity account contact
	owner status price_book price_date currency valid_until terms notes
	language discount primary lines taxes subtotal discount_total tax_total
	total approval_role approved_by approved_at rejected_by rejected_reason
	declined_reason sent_at accepted_at order created_at'
_sfa_quote_statuses='draft pending-approval approved rejected sent accepted
	declined superseded'
_sfa_render_formats='html pdf text json'
_sfa_product_verbs='add import list search show set delete'
_sfa_product_fields='id sku name family description unit active tax_class
	prices external_id created_at'
# The flat price fields that add and set turn into an entry of prices.
_sfa_product_price_fields='price currency price_book min_qty valid_from
	valid_until'
_sfa_product_statuses=''
_sfa_order_verbs='list search show set set-status'
_sfa_order_fields='id number status quote opportunity account owner currency
	lines taxes subtotal discount_total tax_total total ordered_at
	expected_ship shipped_at delivered_at invoiced_at tracking created_at'
_sfa_order_statuses='confirmed shipped delivered invoiced cancelled'

# COMPREPLY from the words of $1 that start with $2.
_sfa_words()
{
	local IFS=$' \t\n'
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

_sfa_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

_sfa_dirs()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -d -- "$1")
}

# Field names of $2 followed by '=' (for --where, add, set); $1 is the word.
_sfa_field_assign()
{
	local f
	COMPREPLY=()
	for f in $2; do
		[[ $f == "$1"* ]] && COMPREPLY+=("$f=")
	done
	compopt -o nospace 2>/dev/null
}

# A comma-separated list of the words of $2 (for --fields, --sort,
# --status); $1 is the word. With $3 set, each item may start with '-'.
_sfa_comma_list()
{
	local cur=$1 head= f dash=
	if [[ $cur == *,* ]]; then
		head=${cur%,*},
		cur=${cur##*,}
	fi
	if [[ -n ${3-} && $cur == -* ]]; then
		dash=-
		cur=${cur#-}
	fi
	COMPREPLY=()
	for f in $2; do
		[[ $f == "$cur"* ]] && COMPREPLY+=("$head$dash$f")
	done
	compopt -o nospace 2>/dev/null
}

# Sets cur and prev for the word being completed. "--opt=value" is split
# by readline at '='; then prev is the option and eq is 1.
_sfa_cur_prev()
{
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	eq=0
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $cur == = ]]; then
		cur=
		eq=1
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD-2]}
		eq=1
	fi
	if ((eq)) && [[ $prev != --* ]]; then
		prev=
	fi
}

# The value of a --store given on the command line, if any; in `sfa
# --store DIR NAME ...`, completed as `sfa-NAME ...`, DIR.
_sfa_store_arg()
{
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == --store ]]; then
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			printf '%s\n' "${COMP_WORDS[i]-}"
			return
		fi
	done
	[[ -n ${_sfa_outer_store-} ]] && printf '%s\n' "$_sfa_outer_store"
}

# The top-level keys of config/$1.json in the store (user ids of "users",
# map names of "maps"), as `sfa config show` prints a file written with one
# key a block, indented by two spaces.
_sfa_config_keys()
{
	local store sfa=${COMP_WORDS[0]%/*}/sfa
	[[ ${COMP_WORDS[0]} == */* && -x $sfa ]] || sfa=$(type -P sfa) || return 0
	store=$(_sfa_store_arg)
	"$sfa" ${store:+--store "$store"} config show "$1" 2>/dev/null |
		sed -n 's/^  "\([^"]*\)": *{.*/\1/p'
}

# The external commands sfa can run: sfa-NAME programs in $SFA_EXEC_PATH,
# the directory of the sfa binary, PREFIX/libexec/sfa and $PATH.
_sfa_external_commands()
{
	local -A seen=()
	local -a dirs=()
	local bin d f n p
	bin=${COMP_WORDS[0]}
	[[ $bin == */* ]] || bin=$(type -P sfa 2>/dev/null)
	[[ -n ${SFA_EXEC_PATH-} ]] && dirs+=("$SFA_EXEC_PATH")
	if [[ $bin == */* ]]; then
		dirs+=("${bin%/*}")
		[[ ${bin%/*} == */* ]] && dirs+=("${bin%/*/*}/libexec/sfa")
	fi
	local IFS=:
	for p in $PATH; do
		dirs+=("${p:-.}")
	done
	IFS=$' \t\n'
	for d in "${dirs[@]}"; do
		for f in "$d"/sfa-*; do
			[[ -f $f && -x $f ]] || continue
			n=${f##*/sfa-}
			[[ -n $n && -z ${seen[$n]-} ]] || continue
			seen[$n]=1
			printf '%s\n' "$n"
		done
	done
}

# The path of program $1 (sfa-stage...): beside the command being
# completed when that was given with a directory, else from $PATH.
_sfa_program()
{
	local dir=${COMP_WORDS[0]%/*}
	if [[ ${COMP_WORDS[0]} == */* && -x $dir/$1 ]]; then
		printf '%s\n' "$dir/$1"
	else
		type -P "$1"
	fi
}

# Column $1 (1: pipeline, 3: stage) of `sfa-stage stages`, each name once,
# from the store on the command line or the one sfa-stage finds.
_sfa_stages_column()
{
	local store prog
	prog=$(_sfa_program sfa-stage) || return 0
	store=$(_sfa_store_arg)
	"$prog" stages ${store:+--store "$store"} --format csv 2>/dev/null |
		awk -F, -v col="$1" 'NR > 1 && !seen[$col]++ {print $col}'
}

# The lost_reasons of the store's pipelines.json, when written on one line
# as the shipped one is.
_sfa_lost_reasons()
{
	local store sfa
	sfa=$(_sfa_program sfa) || return 0
	store=$(_sfa_store_arg)
	"$sfa" ${store:+--store "$store"} config show pipelines 2>/dev/null |
		sed -n 's/^ *"lost_reasons": *\[\(.*\)\],\{0,1\} *$/\1/p' | tr -s '", ' '\n\n\n'
}

# The number of words after the verb (at index $1) and before the one
# being completed that are not options or their arguments; FIELD=VALUE
# counts once. $2 lists the options that take an argument.
_sfa_positionals()
{
	local i w n=0 opts=" $2 "
	for ((i = $1 + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == = ]]; then
			((i + 1 < COMP_CWORD)) && ((i++))
		elif [[ $w == -* ]]; then
			if [[ $opts == *" $w "* ]]; then
				((i++))
				[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			fi
		else
			((n++))
		fi
	done
	echo $n
}

# Whether $prev is an option whose argument _sfa_record completes (or
# knows not to).
_sfa_record_arg()
{
	case $prev in
	--format | --fields | --sort | --where | --status | --owner | --source | \
		--since | --until | --limit | --map | --map-file | --rejects | \
		--dedupe | --date-format | -m | --message)
		return 0
		;;
	esac
	return 1
}

# Completes what is sfa-stage's own; returns 1 to leave the rest to
# _sfa_record, whose cur, prev, eq, verb and vi it sees.
_sfa_opportunity_own()
{
	local argopts='--store --format --reason --competitor --stage --pipeline
		--closing --fields --sort --where --owner --source --status --since
		--until --limit'
	case $prev in
	--stage)
		if [[ $verb == reopen ]]; then
			_sfa_words "$(_sfa_stages_column 3)" "$cur"
		else
			_sfa_comma_list "$cur" "$(_sfa_stages_column 3)"
		fi
		return 0
		;;
	--pipeline)
		_sfa_comma_list "$cur" "$(_sfa_stages_column 1)"
		return 0
		;;
	--closing)
		_sfa_words "$_sfa_closing_periods" "$cur"
		return 0
		;;
	--reason)
		_sfa_words "$(_sfa_lost_reasons)" "$cur"
		return 0
		;;
	--competitor)
		return 0
		;;
	esac
	_sfa_record_arg && return 1
	((eq)) && return 0
	case $verb in
	stages)
		if [[ $cur == -* ]]; then
			_sfa_words '--store --format -h --help' "$cur"
		elif (($(_sfa_positionals "$vi" "$argopts") == 0)); then
			_sfa_words "$(_sfa_stages_column 1)" "$cur"
		fi
		;;
	move)
		# ids, then the stage: ids are not completed
		if [[ $cur == -* ]]; then
			_sfa_words '--store --reason --competitor -h --help' "$cur"
		else
			_sfa_words "$(_sfa_stages_column 3)" "$cur"
		fi
		;;
	won)
		[[ $cur == -* ]] && _sfa_words '--store -h --help' "$cur"
		;;
	lost)
		[[ $cur == -* ]] && _sfa_words '--store --reason --competitor -h --help' "$cur"
		;;
	reopen)
		[[ $cur == -* ]] && _sfa_words '--store --stage -h --help' "$cur"
		;;
	history)
		[[ $cur == -* ]] && _sfa_words '--store --format -h --help' "$cur"
		;;
	list | search)
		[[ $cur == -* ]] && _sfa_words "$list_opts --stage --pipeline --closing --stale" "$cur"
		;;
	*)
		return 1
		;;
	esac
	return 0
}

# Completes what is sfa-activity's own, as _sfa_opportunity_own.
_sfa_activity_own()
{
	local argopts='--store --on --subject --note --due --at --duration
		--location --attendees --owner --sla'
	case $prev in
	--rep)
		_sfa_words "$(_sfa_config_keys users)" "$cur"
		return 0
		;;
	--fields)
		if [[ $verb == agenda ]]; then
			_sfa_comma_list "$cur" "$_sfa_activity_fields about"
			return 0
		fi
		return 1
		;;
	--on | --subject | --note | --due | --at | --duration | --location | \
		--attendees | --sla | --outcome | --from | --to | --tz)
		return 0
		;;
	esac
	_sfa_record_arg && return 1
	((eq)) && return 0
	case $verb in
	log)
		if [[ $cur == -* ]]; then
			_sfa_words '--store --on --subject --note --due --at --duration
				--location --attendees --owner --sla -h --help' "$cur"
		elif (($(_sfa_positionals "$vi" "$argopts") == 0)); then
			_sfa_words "$_sfa_activity_types" "$cur"
		else
			_sfa_field_assign "$cur" "$_sfa_activity_fields"
		fi
		;;
	done)
		[[ $cur == -* ]] && _sfa_words '--store --outcome -h --help' "$cur"
		;;
	reschedule)
		[[ $cur == -* ]] && _sfa_words '--store -h --help' "$cur"
		;;
	agenda)
		[[ $cur == -* ]] && _sfa_words '--store --rep --all --today --week
			--overdue --sla --fields --format -h --help' "$cur"
		;;
	export)
		[[ $cur == -* ]] && _sfa_words '--store --rep --all --from --to --tz
			--ics -h --help' "$cur"
		;;
	*)
		return 1
		;;
	esac
	return 0
}

# Completes a record command: $1 is its type (lead, account, contact,
# opportunity, activity, quote, product, order), whose verbs, fields and
# statuses are in the _sfa_TYPE_* variables; _sfa_TYPE_own, if there is
# one, completes the command's own verbs and options first.
_sfa_record()
{
	local type=$1 cur prev eq verb= vi=0 i w
	local verbs fields statuses
	verbs=_sfa_${type}_verbs fields=_sfa_${type}_fields statuses=_sfa_${type}_statuses
	verbs=${!verbs} fields=${!fields} statuses=${!statuses}
	_sfa_cur_prev

	# The verb is the first word that is not an option or its argument.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--store)
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			;;
		-*) ;;
		*)
			verb=$w
			vi=$i
			break
			;;
		esac
	done

	local list_opts='--store --where --status --owner --source --since
		--until --sort --limit --fields --format -h --help'
	if [[ -n $verb && $prev != --store ]] && declare -F "_sfa_${type}_own" >/dev/null; then
		"_sfa_${type}_own" && return 0
	fi

	# Arguments of options.
	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--format)
		[[ -n $verb ]] && _sfa_words "$_sfa_output_formats" "$cur"
		return 0
		;;
	--rejects | --map-file)
		_sfa_files "$cur"
		return 0
		;;
	--fields)
		_sfa_comma_list "$cur" "$fields"
		return 0
		;;
	--sort)
		_sfa_comma_list "$cur" "$fields" desc
		return 0
		;;
	--where)
		_sfa_field_assign "$cur" "$fields"
		return 0
		;;
	--status)
		_sfa_comma_list "$cur" "$statuses"
		return 0
		;;
	--dedupe)
		_sfa_words "$_sfa_dedupe_modes" "$cur"
		return 0
		;;
	--date-format)
		_sfa_words "$_sfa_date_formats" "$cur"
		return 0
		;;
	--owner)
		_sfa_comma_list "$cur" "$(_sfa_config_keys users)"
		return 0
		;;
	--to)
		_sfa_words "$(_sfa_config_keys users)" "$cur"
		return 0
		;;
	--map)
		_sfa_words "$(_sfa_config_keys maps)" "$cur"
		return 0
		;;
	-m | --message | --limit | --source | --since | --until | \
		--reason | --threshold | --explain | --opportunity | --amount | \
		--close-date)
		return 0
		;;
	esac
	# The VALUE of a FIELD=VALUE word.
	((eq)) && return 0

	case $verb in
	'')
		if [[ $cur == -* ]]; then
			_sfa_words '-h --help --version' "$cur"
		else
			_sfa_words "$verbs" "$cur"
		fi
		;;
	add | set)
		if [[ $cur == -* ]]; then
			_sfa_words '--store -h --help' "$cur"
		else
			_sfa_field_assign "$cur" "$fields"
		fi
		;;
	import)
		if [[ $cur == -* ]]; then
			_sfa_words '--store -n --dry-run --skip-invalid --rejects
				--map --map-file --strict --date-format --dedupe
				-m --message -q --quiet -h --help' "$cur"
		else
			_sfa_files "$cur"
		fi
		;;
	show)
		if [[ $cur == -* ]]; then
			if [[ $type == account ]]; then
				_sfa_words '--store --format --timeline -h --help' "$cur"
			else
				_sfa_words '--store --format -h --help' "$cur"
			fi
		fi
		;;
	list | search)
		[[ $cur == -* ]] && _sfa_words "$list_opts" "$cur"
		;;
	delete | qualify | merge)
		[[ $cur == -* ]] && _sfa_words '--store -h --help' "$cur"
		;;
	disqualify)
		[[ $cur == -* ]] && _sfa_words '--store --reason -h --help' "$cur"
		;;
	dupes)
		[[ $cur == -* ]] && _sfa_words '--store --threshold --format
			-h --help' "$cur"
		;;
	score)
		[[ $cur == -* ]] && _sfa_words '--store -n --dry-run --learned
			--all --explain --format -h --help' "$cur"
		;;
	assign)
		[[ $cur == -* ]] && _sfa_words '--store -n --dry-run --rules --to
			--format -h --help' "$cur"
		;;
	convert)
		[[ $cur == -* ]] && _sfa_words '--store --opportunity --amount
			--close-date -h --help' "$cur"
		;;
	esac
	return 0
}

_sfa_lead()
{
	_sfa_record lead
}

_sfa_account()
{
	_sfa_record account
}

_sfa_contact()
{
	_sfa_record contact
}

_sfa_stage()
{
	_sfa_record opportunity
}

_sfa_activity()
{
	_sfa_record activity
}

_sfa_quote()
{
	_sfa_record quote
}

# The names of the price books in the store's pricebooks.json, when each
# book starts a line indented by four spaces, as in the shipped file.
_sfa_price_books()
{
	local store sfa
	sfa=$(_sfa_program sfa) || return 0
	store=$(_sfa_store_arg)
	"$sfa" ${store:+--store "$store"} config show pricebooks 2>/dev/null |
		sed -n 's/^    "\([^"]*\)": *{.*/\1/p'
}

# The currencies the store's price books hold.
_sfa_price_book_currencies()
{
	local store sfa
	sfa=$(_sfa_program sfa) || return 0
	store=$(_sfa_store_arg)
	"$sfa" ${store:+--store "$store"} config show pricebooks 2>/dev/null |
		grep -o '"currency": *"[A-Z][A-Z][A-Z]"' | grep -o '[A-Z][A-Z][A-Z]' | sort -u
}

# The skus of the store's catalog.
_sfa_skus()
{
	local store prog
	prog=$(_sfa_program sfa-quote) || return 0
	store=$(_sfa_store_arg)
	"$prog" product list ${store:+--store "$store"} --fields sku --format csv 2>/dev/null |
		sed 1d
}

# Completes what is sfa-quote's own, as _sfa_opportunity_own. "product"
# and "order" take the words after them as a record command of their own.
_sfa_quote_own()
{
	local argopts='--store --opportunity --price-book --currency --contact
		--discount --valid-until --in --reason --expected-ship --format -o
		--output'
	case $verb in
	product | order)
		local -a words=("${COMP_WORDS[0]}" "${COMP_WORDS[@]:vi+1}")
		local COMP_CWORD=$((COMP_CWORD - vi))
		local -a COMP_WORDS=("${words[@]}")
		_sfa_record "$verb"
		return 0
		;;
	esac
	case $prev in
	--format)
		if [[ $verb == render ]]; then
			_sfa_words "$_sfa_render_formats" "$cur"
			return 0
		fi
		return 1
		;;
	-o | --output)
		_sfa_files "$cur"
		return 0
		;;
	--price-book)
		_sfa_words "$(_sfa_price_books)" "$cur"
		return 0
		;;
	--currency)
		_sfa_words "$(_sfa_price_book_currencies)" "$cur"
		return 0
		;;
	--opportunity | --contact | --discount | --valid-until | --in | \
		--reason | --expected-ship)
		return 0
		;;
	esac
	_sfa_record_arg && return 1
	((eq)) && return 0
	case $verb in
	new)
		if [[ $cur == -* ]]; then
			_sfa_words '--store --opportunity --price-book --currency
				--contact --discount --valid-until -h --help' "$cur"
		else
			_sfa_field_assign "$cur" "$_sfa_quote_fields"
		fi
		;;
	add-line)
		# the quote, the sku, the quantity: the sku is completed
		if [[ $cur == -* ]]; then
			_sfa_words '--store --discount --in --optional -h --help' "$cur"
		elif (($(_sfa_positionals "$vi" "$argopts") == 1)); then
			_sfa_words "$(_sfa_skus)" "$cur"
		fi
		;;
	remove-line | check | revise | approve | send | primary)
		[[ $cur == -* ]] && _sfa_words '--store -h --help' "$cur"
		;;
	reject | decline)
		[[ $cur == -* ]] && _sfa_words '--store --reason -h --help' "$cur"
		;;
	accept)
		[[ $cur == -* ]] && _sfa_words '--store --expected-ship -h --help' "$cur"
		;;
	render)
		[[ $cur == -* ]] && _sfa_words '--store --format -o --output -h
			--help' "$cur"
		;;
	*)
		return 1
		;;
	esac
	return 0
}

# Completes the fields of `sfa-quote product add` and `set`: those of a
# product and the flat price fields.
_sfa_product_own()
{
	_sfa_record_arg && return 1
	((eq)) && return 0
	case $verb in
	add | set)
		[[ $cur == -* ]] && return 1
		_sfa_field_assign "$cur" "$_sfa_product_fields $_sfa_product_price_fields"
		;;
	*)
		return 1
		;;
	esac
	return 0
}

# Completes what is `sfa-quote order`'s own: set-status and --late.
_sfa_order_own()
{
	case $prev in
	--tracking | --expected-ship)
		return 0
		;;
	esac
	_sfa_record_arg && return 1
	((eq)) && return 0
	case $verb in
	set-status)
		# ids, then the status: ids are not completed
		if [[ $cur == -* ]]; then
			_sfa_words '--store --tracking --expected-ship -h --help' "$cur"
		else
			_sfa_words "$_sfa_order_statuses" "$cur"
		fi
		;;
	list | search)
		[[ $cur == -* ]] && _sfa_words "$list_opts --late" "$cur"
		;;
	*)
		return 1
		;;
	esac
	return 0
}

# The currency codes named in the store's config/rates.json.
_sfa_report_currencies()
{
	local store sfa
	sfa=$(_sfa_program sfa) || return 0
	store=$(_sfa_store_arg)
	"$sfa" ${store:+--store "$store"} config show rates 2>/dev/null |
		grep -o '"[A-Z][A-Z][A-Z]"' | tr -d '"' | sort -u
}

# Completes sfa-report: the report, then its options and their arguments.
_sfa_report()
{
	local cur prev eq report= i w keys opts fields statuses=
	local argopts=' --by --period --as-of --currency --where --owner --source
		--status --since --until --format --store --from --to --simulations
		--seed --periods '
	_sfa_cur_prev

	# The report is the first word that is not an option or its argument.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $argopts == *[[:space:]]"$w"[[:space:]]* ]]; then
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
		elif [[ $w != -* ]]; then
			report=$w
			break
		fi
	done

	# What the report reads: deals, activities or leads.
	keys=$_sfa_report_keys
	case $report in
	activity)
		keys+=' type'
		fields=$_sfa_activity_fields
		;;
	leads | sources)
		fields=$_sfa_lead_fields
		statuses=$_sfa_lead_statuses
		;;
	winloss)
		keys+=" $_sfa_report_deal_keys reason competitor lost-at stage"
		fields="$_sfa_opportunity_fields product_family"
		;;
	*)
		keys+=" $_sfa_report_deal_keys"
		fields="$_sfa_opportunity_fields product_family"
		;;
	esac

	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--format)
		_sfa_words "$_sfa_report_formats" "$cur"
		return 0
		;;
	--by)
		_sfa_comma_list "$cur" "$keys"
		return 0
		;;
	--period)
		_sfa_words "$_sfa_report_periods" "$cur"
		return 0
		;;
	--currency)
		_sfa_words "$(_sfa_report_currencies)" "$cur"
		return 0
		;;
	--where)
		_sfa_field_assign "$cur" "$fields"
		return 0
		;;
	--owner)
		_sfa_comma_list "$cur" "$(_sfa_config_keys users)"
		return 0
		;;
	--status)
		_sfa_comma_list "$cur" "$statuses"
		return 0
		;;
	--as-of | --from | --to | --since | --until | --source | \
		--simulations | --seed | --periods)
		return 0
		;;
	esac
	((eq)) && return 0

	if [[ -z $report ]]; then
		if [[ $cur == -* ]]; then
			_sfa_words '--store -h --help' "$cur"
		else
			_sfa_words "$_sfa_report_names" "$cur"
		fi
		return 0
	fi
	[[ $cur == -* && $report != list ]] || return 0
	opts='--by --period --as-of --currency --where --owner --source --status
		--since --until --format --store -h --help'
	case $report in
	forecast) opts+=' --simulations --seed' ;;
	changes) opts+=' --from --to' ;;
	accuracy) opts+=' --periods --simulations --seed' ;;
	esac
	_sfa_words "$opts" "$cur"
	return 0
}

# sfa-mail: its verbs, the verbs of "template", the formats of its rows,
# the record types of --type and the usual places of an address for --to.
_sfa_mail_verbs='send ingest template'
_sfa_mail_template_verbs='add list show check'
_sfa_mail_formats='csv json ndjson table'
_sfa_mail_types='lead contact account opportunity activity quote product
	order'
_sfa_mail_to_paths='email owner.email contact.email lead.email'

# The names of the store's mail templates.
_sfa_mail_templates()
{
	local store prog
	prog=$(_sfa_program sfa-mail) || return 0
	store=$(_sfa_store_arg)
	"$prog" template list ${store:+--store "$store"} --format csv 2>/dev/null |
		sed '1d; s/,.*//'
}

# The campaigns the store has sent letters for, to run one again.
_sfa_mail_campaigns()
{
	local store prog
	prog=$(_sfa_program sfa-activity) || return 0
	store=$(_sfa_store_arg)
	"$prog" list ${store:+--store "$store"} --where direction=out --where campaign!= \
		--fields campaign --format csv 2>/dev/null | sed 1d | sort -u
}

# Completes sfa-mail: the verb, the verb of "template", then the options
# and arguments of each.
_sfa_mail()
{
	local cur prev eq verb= sub= vi=0 si=0 i w n
	# The options that take the next word as their argument. --sendmail is
	# not one of them: its command is joined with '=', and a word after a
	# bare --sendmail is the input file.
	local argopts='--store --template --campaign --to --smtp --mbox --maildir
		--rate --attach --format --ack --owner --lang --type -m --message'
	argopts=" ${argopts//[[:space:]]/ } "
	_sfa_cur_prev

	# The verb, and for "template" the next verb, are the first words that
	# are not options or their arguments.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $argopts == *" $w "* ]]; then
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
		elif [[ $w == = ]]; then
			# the value of "--opt=value", split by readline at '='
			((i++))
		elif [[ $w != -* ]]; then
			if [[ -z $verb ]]; then
				verb=$w
				vi=$i
			elif [[ $verb == template && -z $sub ]]; then
				sub=$w
				si=$i
			else
				break
			fi
		fi
	done

	case $prev in
	--store | --maildir)
		_sfa_dirs "$cur"
		return 0
		;;
	--mbox | --attach)
		_sfa_files "$cur"
		return 0
		;;
	--template | --ack)
		_sfa_words "$(_sfa_mail_templates)" "$cur"
		return 0
		;;
	--campaign)
		_sfa_words "$(_sfa_mail_campaigns)" "$cur"
		return 0
		;;
	--format)
		_sfa_words "$_sfa_mail_formats" "$cur"
		return 0
		;;
	--to)
		_sfa_words "$_sfa_mail_to_paths" "$cur"
		return 0
		;;
	--owner)
		_sfa_words "$(_sfa_config_keys users)" "$cur"
		return 0
		;;
	--type)
		_sfa_comma_list "$cur" "$_sfa_mail_types"
		return 0
		;;
	--sendmail)
		# "--sendmail=COMMAND": a path to the command
		if ((eq)); then
			_sfa_files "$cur"
			return 0
		fi
		;;
	--smtp | --rate | --lang | -m | --message)
		return 0
		;;
	esac
	((eq)) && return 0

	case $verb in
	'')
		if [[ $cur == -* ]]; then
			_sfa_words '--store -h --help --version' "$cur"
		else
			_sfa_words "$_sfa_mail_verbs" "$cur"
		fi
		;;
	send)
		# one input file at most
		if [[ $cur == -* ]]; then
			_sfa_words '--store --template --campaign --to --smtp --sendmail
				--mbox --maildir --dry-run --rate --attach --attach-quote
				--resend-unknown --format -h --help' "$cur"
		elif (($(_sfa_positionals "$vi" "$argopts") == 0)); then
			_sfa_files "$cur"
		fi
		;;
	ingest)
		# files and maildirs, any number
		if [[ $cur == -* ]]; then
			_sfa_words '--store --create-leads --ack --owner --smtp --sendmail
				--mbox --maildir --format -h --help' "$cur"
		else
			_sfa_files "$cur"
		fi
		;;
	template)
		if [[ -z $sub ]]; then
			if [[ $cur == -* ]]; then
				_sfa_words '--store -h --help' "$cur"
			else
				_sfa_words "$_sfa_mail_template_verbs" "$cur"
			fi
			return 0
		fi
		n=$(_sfa_positionals "$si" "$argopts")
		case $sub in
		add)
			# the name (a new one, or one to replace), the text file,
			# the HTML file
			if [[ $cur == -* ]]; then
				_sfa_words '--store --lang --type -m --message -h --help' "$cur"
			elif ((n == 0)); then
				_sfa_words "$(_sfa_mail_templates)" "$cur"
			elif ((n <= 2)); then
				_sfa_files "$cur"
			fi
			;;
		list)
			[[ $cur == -* ]] && _sfa_words '--store --format -h --help' "$cur"
			;;
		show)
			if [[ $cur == -* ]]; then
				_sfa_words '--store --lang --html -h --help' "$cur"
			elif ((n == 0)); then
				_sfa_words "$(_sfa_mail_templates)" "$cur"
			fi
			;;
		check)
			if [[ $cur == -* ]]; then
				_sfa_words '--store --type -h --help' "$cur"
			else
				_sfa_words "$(_sfa_mail_templates)" "$cur"
			fi
			;;
		esac
		;;
	esac
	return 0
}

# sfa-sync(1): sfa sync, clone, remote, status and conflicts. The rows of
# remote, status and conflicts have no id, so no "ids" format for them.
_sfa_sync_rules='later ours theirs'
_sfa_sync_formats='csv json ndjson table ids'
_sfa_sync_row_formats='csv json ndjson table'

# The names of the store's remotes.
_sfa_remote_names()
{
	local store prog
	prog=$(_sfa_program sfa-remote) || return 0
	store=$(_sfa_store_arg)
	"$prog" list ${store:+--store "$store"} --format csv 2>/dev/null |
		sed '1d; s/,.*//'
}

# Column $1 (3: record, 4: field) of the store's open conflicts that
# have a field (those resolve can settle), each value once; with $2, only
# those of the records whose id starts with $2.
_sfa_conflicts_column()
{
	local store prog
	prog=$(_sfa_program sfa-conflicts) || return 0
	store=$(_sfa_store_arg)
	"$prog" list ${store:+--store "$store"} --format csv 2>/dev/null |
		awk -F, -v col="$1" -v rec="${2-}" \
			'NR > 1 && $4 != "" && index($3, rec) == 1 && !seen[$col]++ {print $col}'
}

# Completes sfa-sync: its options, then the remote.
_sfa_sync()
{
	local cur prev eq
	local argopts='--store --rule --format'
	_sfa_cur_prev
	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--rule)
		_sfa_words "$_sfa_sync_rules" "$cur"
		return 0
		;;
	--format)
		_sfa_words "$_sfa_sync_formats" "$cur"
		return 0
		;;
	esac
	((eq)) && return 0
	if [[ $cur == -* ]]; then
		_sfa_words '--store -n --dry-run --no-push --rule --format -h --help' "$cur"
	elif (($(_sfa_positionals 0 "$argopts") == 0)); then
		_sfa_words "$(_sfa_remote_names)" "$cur"
	fi
	return 0
}

# Completes sfa-status: its options, then the remote.
_sfa_status()
{
	local cur prev eq
	local argopts='--store --format'
	_sfa_cur_prev
	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--format)
		_sfa_words "$_sfa_sync_row_formats" "$cur"
		return 0
		;;
	esac
	((eq)) && return 0
	if [[ $cur == -* ]]; then
		_sfa_words '--store --format -h --help' "$cur"
	elif (($(_sfa_positionals 0 "$argopts") == 0)); then
		_sfa_words "$(_sfa_remote_names)" "$cur"
	fi
	return 0
}

# Completes sfa-clone: the url, which may be the path of a repository,
# and the folder of the new store.
_sfa_clone()
{
	local cur prev eq
	_sfa_cur_prev
	if [[ $prev == --store ]]; then
		_sfa_dirs "$cur"
	elif ((eq)); then
		COMPREPLY=()
	elif [[ $cur == -* ]]; then
		_sfa_words '--store -h --help' "$cur"
	elif (($(_sfa_positionals 0 --store) < 2)); then
		_sfa_dirs "$cur"
	fi
	return 0
}

# Completes sfa-remote: the verb, then its options and arguments.
_sfa_remote()
{
	local cur prev eq verb= vi=0 i w n
	local argopts='--store --format'
	_sfa_cur_prev

	# The verb is the first word that is not an option or its argument.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--store | --format)
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			;;
		-*) ;;
		*)
			verb=$w
			vi=$i
			break
			;;
		esac
	done

	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--format)
		_sfa_words "$_sfa_sync_row_formats" "$cur"
		return 0
		;;
	esac
	((eq)) && return 0

	n=$(_sfa_positionals "$vi" "$argopts")
	case $verb in
	'')
		if [[ $cur == -* ]]; then
			_sfa_words '--store -h --help' "$cur"
		else
			_sfa_words 'add list remove' "$cur"
		fi
		;;
	add)
		# a new name, then the url, which may be the path of a repository
		if [[ $cur == -* ]]; then
			_sfa_words '--store -h --help' "$cur"
		elif ((n == 1)); then
			_sfa_dirs "$cur"
		fi
		;;
	list)
		[[ $cur == -* ]] && _sfa_words '--store --format -h --help' "$cur"
		;;
	remove)
		if [[ $cur == -* ]]; then
			_sfa_words '--store -h --help' "$cur"
		elif ((n == 0)); then
			_sfa_words "$(_sfa_remote_names)" "$cur"
		fi
		;;
	esac
	return 0
}

# Completes sfa-conflicts: "list" or "resolve", which must be the first
# word, then their options; for resolve, the records and fields of the
# open conflicts.
_sfa_conflicts()
{
	local cur prev eq verb=list rec= i w n=0
	_sfa_cur_prev
	if ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[1]} != -* ]]; then
		verb=${COMP_WORDS[1]}
	fi

	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--format)
		_sfa_words "$_sfa_sync_row_formats" "$cur"
		return 0
		;;
	esac
	((eq)) && return 0

	if ((COMP_CWORD == 1)); then
		if [[ $cur == -* ]]; then
			_sfa_words '--store --all --format -h --help' "$cur"
		else
			_sfa_words 'list resolve' "$cur"
		fi
		return 0
	fi
	case $verb in
	list)
		[[ $cur == -* ]] && _sfa_words '--store --all --format -h --help' "$cur"
		;;
	resolve)
		if [[ $cur == -* ]]; then
			_sfa_words '--store --keep -h --help' "$cur"
			return 0
		fi
		# the record, the field, the value; --keep takes no value
		for ((i = 2; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			if [[ $w == --store ]]; then
				((i++))
				[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			elif [[ $w == = ]]; then
				((i++))
			elif [[ $w != -* ]]; then
				((n++ == 0)) && rec=$w
			fi
		done
		if ((n == 0)); then
			_sfa_words "$(_sfa_conflicts_column 3)" "$cur"
		elif ((n == 1)); then
			_sfa_words "$(_sfa_conflicts_column 4 "$rec")" "$cur"
		fi
		;;
	esac
	return 0
}

# Completes sfa-forget: its options (the people are ids, not completed).
_sfa_forget()
{
	local cur prev eq
	_sfa_cur_prev
	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--format)
		_sfa_words "$_sfa_output_formats" "$cur"
		return 0
		;;
	-m | --message)
		return 0
		;;
	esac
	((eq)) && return 0
	if [[ $cur == -* ]]; then
		_sfa_words '--store -m --message -n --dry-run --format --history-script
			-h --help' "$cur"
	fi
	return 0
}

# The user ids of config/users.json on main of the repository sfa-verify
# checks, read with git: no sfa command may leave an index on a server.
_sfa_verify_users()
{
	local store
	store=$(_sfa_store_arg)
	git ${store:+--git-dir="$store"} show main:config/users.json 2>/dev/null |
		sed -n 's/^  "\([^"]*\)": *{.*/\1/p'
}

# Completes sfa-verify: its options; the two commits are the user's.
_sfa_verify()
{
	local cur prev eq
	_sfa_cur_prev
	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	--user)
		_sfa_words "$(_sfa_verify_users)" "$cur"
		return 0
		;;
	esac
	((eq)) && return 0
	if [[ $cur == -* ]]; then
		_sfa_words '--store --user -h --help' "$cur"
	fi
	return 0
}

# Completes `sfa config ...`; $1 is the index of "config" in COMP_WORDS.
_sfa_config()
{
	local ci=$1 cur prev eq verb= i w n=0
	_sfa_cur_prev

	# The verb, then the words that are not options or their arguments.
	for ((i = ci + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--store | -m | --message)
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			;;
		-*) ;;
		*)
			if [[ -z $verb ]]; then
				verb=$w
			else
				((n++))
			fi
			;;
		esac
	done

	case $prev in
	--store)
		_sfa_dirs "$cur"
		return 0
		;;
	-m | --message)
		return 0
		;;
	esac
	((eq)) && return 0

	if [[ $cur == -* ]]; then
		if [[ $verb == set ]]; then
			_sfa_words '--store -m --message -h --help' "$cur"
		else
			_sfa_words '--store -h --help' "$cur"
		fi
		return 0
	fi
	case $verb in
	'')
		_sfa_words "$_sfa_config_verbs" "$cur"
		;;
	show)
		((n == 0)) && _sfa_words "$_sfa_config_names" "$cur"
		;;
	check | set)
		if ((n == 0)); then
			_sfa_words "$_sfa_config_names" "$cur"
		elif ((n == 1)); then
			_sfa_files "$cur"
		fi
		;;
	esac
	return 0
}

# Completes `sfa NAME ARGS...` as `sfa-NAME ARGS...`; $1 is the index of
# NAME in COMP_WORDS.
_sfa_delegate()
{
	local ci=$1 name=${COMP_WORDS[$1]}
	local fn=_sfa_${name//-/_} spec line rest consumed=0 i
	local -a words=("sfa-$name" "${COMP_WORDS[@]:ci+1}")
	local _sfa_outer_store
	_sfa_outer_store=$(_sfa_store_arg)

	# COMP_LINE and COMP_POINT without the words before NAME.
	line=$COMP_LINE
	for ((i = 0; i <= ci; i++)); do
		rest=${line#*"${COMP_WORDS[i]}"}
		consumed=$((consumed + ${#line} - ${#rest}))
		line=$rest
	done

	local COMP_LINE="sfa-$name$line"
	local COMP_POINT=$((COMP_POINT - consumed + ${#name} + 4))
	local COMP_CWORD=$((COMP_CWORD - ci))
	local -a COMP_WORDS=("${words[@]}")

	if ! declare -F "$fn" >/dev/null; then
		fn=
		spec=$(complete -p "sfa-$name" 2>/dev/null)
		if [[ -z $spec ]] && declare -F __load_completion >/dev/null; then
			__load_completion "sfa-$name" &&
				spec=$(complete -p "sfa-$name" 2>/dev/null)
		fi
		[[ $spec =~ -F\ ([^ ]+) ]] && fn=${BASH_REMATCH[1]}
	fi
	if [[ -n $fn ]]; then
		"$fn" "sfa-$name" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD-1]}"
	else
		_sfa_files "${COMP_WORDS[COMP_CWORD]}"
	fi
}

_sfa()
{
	case ${COMP_WORDS[0]##*/} in
	sfa-lead)
		_sfa_lead "$@"
		return
		;;
	sfa-account)
		_sfa_account "$@"
		return
		;;
	sfa-contact)
		_sfa_contact "$@"
		return
		;;
	sfa-stage)
		_sfa_stage "$@"
		return
		;;
	sfa-activity)
		_sfa_activity "$@"
		return
		;;
	sfa-report)
		_sfa_report "$@"
		return
		;;
	sfa-quote)
		_sfa_quote "$@"
		return
		;;
	sfa-mail)
		_sfa_mail "$@"
		return
		;;
	sfa-verify)
		_sfa_verify "$@"
		return
		;;
	sfa-sync | sfa-clone | sfa-remote | sfa-status | sfa-conflicts | sfa-forget)
		local prog=${COMP_WORDS[0]##*/}
		"_sfa_${prog#sfa-}" "$@"
		return
		;;
	esac

	local cur prev eq cmd= ci=0 i w
	_sfa_cur_prev

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--store)
			((i++))
			[[ ${COMP_WORDS[i]-} == = ]] && ((i++))
			;;
		-*) ;;
		*)
			cmd=$w
			ci=$i
			break
			;;
		esac
	done

	case $cmd in
	'')
		if [[ $prev == --store ]]; then
			_sfa_dirs "$cur"
		elif ((eq)); then
			COMPREPLY=()
		elif [[ $cur == -* ]]; then
			_sfa_words '--store -h --help --version' "$cur"
		else
			_sfa_words "$_sfa_builtins $(_sfa_external_commands)" "$cur"
		fi
		;;
	init)
		if [[ $cur == -* ]]; then
			_sfa_words '-q --quiet -h --help' "$cur"
		else
			_sfa_dirs "$cur"
		fi
		;;
	config)
		_sfa_config "$ci"
		;;
	log)
		case $prev in
		--store) _sfa_dirs "$cur" ;;
		--format) _sfa_words "$_sfa_log_formats" "$cur" ;;
		-n | --limit) COMPREPLY=() ;;
		*)
			if ((eq)); then
				COMPREPLY=()
			elif [[ $cur == -* ]]; then
				_sfa_words '--store -n --limit -p --patch --format
					-h --help' "$cur"
			fi
			;;
		esac
		;;
	reindex | unlock)
		if [[ $prev == --store ]]; then
			_sfa_dirs "$cur"
		elif ((eq)); then
			COMPREPLY=()
		elif [[ $cur == -* ]]; then
			if [[ $cmd == reindex ]]; then
				_sfa_words '--store -q -h --help' "$cur"
			else
				_sfa_words '--store -h --help' "$cur"
			fi
		fi
		;;
	help)
		((COMP_CWORD == ci + 1)) &&
			_sfa_words "$_sfa_builtins $(_sfa_external_commands)" "$cur"
		;;
	*)
		_sfa_delegate "$ci"
		;;
	esac
	return 0
}

complete -F _sfa sfa sfa-lead sfa-account sfa-contact sfa-stage sfa-activity \
	sfa-report sfa-quote sfa-mail
complete -F _sfa sfa-sync sfa-clone sfa-remote sfa-status sfa-conflicts sfa-forget
complete -F _sfa sfa-verify
