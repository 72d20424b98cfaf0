package detect

import (
	"strings"
	"sync"
)

// Small dictionaries of common given names, family names and cities, in
// several languages and scripts. They only break ties between word columns
// whose header says nothing: a column is a first-name column when a fair
// share (not all) of its values are known given names. Entries are in the
// folded form of foldWord.

const firstNames = `james john robert michael william david richard joseph thomas charles christopher daniel
matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald jason edward
jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory
alexander patrick frank raymond jack dennis jerry tyler aaron jose adam nathan henry zachary douglas peter
kyle noah ethan jeremy walter christian keith roger terry austin sean gerald carl harold dylan arthur lawrence
jordan jesse bryan billy bruce gabriel joe logan alan juan albert willie elijah wayne randy vincent mason roy
ralph bobby russell bradley philip eugene mary patricia jennifer linda elizabeth barbara susan jessica sarah
karen lisa nancy betty sandra margaret ashley kimberly emily donna michelle carol amanda melissa deborah
stephanie dorothy rebecca sharon laura cynthia amy kathleen angela shirley brenda emma anna pamela nicole
samantha katherine christine helen debra rachel carolyn janet maria catherine heather diane olivia julie joyce
victoria ruth virginia lauren kelly christina joan evelyn judith andrea hannah megan cheryl jacqueline martha
madison teresa gloria sara janice ann kathryn abigail sophia frances jean alice judy isabella julia grace amber
denise danielle marilyn beverly charlotte natalie theresa diana brittany doris kayla alexis lori marie
hans jurgen klaus wolfgang stefan andreas michael thomas uwe dieter gunter horst helmut werner lukas leon finn
jonas felix maximilian paul elias ursula monika petra sabine renate karin ingrid brigitte gisela lena lea mia
hanna sophie marie jean pierre michel philippe alain nicolas christophe francois patrick laurent sebastien
julien antoine mathieu camille manon chloe ines jade louise lucas hugo louis gabriel raphael arthur nathalie
isabelle sylvie catherine valerie sandrine celine aurelie juan jose antonio manuel francisco javier carlos
miguel pedro alejandro pablo sergio jorge luis alberto fernando diego raul carmen isabel dolores pilar lucia
paula laura marta elena cristina rosa beatriz giuseppe giovanni marco luca andrea matteo francesco alessandro
lorenzo davide simone federico roberto stefano giulia chiara francesca sara valentina alessia martina elisa
giorgia silvia joao pedro tiago rafael bruno gustavo rodrigo felipe thiago ana beatriz mariana fernanda camila
larissa leticia jan piotr krzysztof tomasz pawel marcin anna katarzyna malgorzata agnieszka magdalena
erik lars anders johan karl nils olof astrid ingrid karin sofia maja elin freya sven bjorn mohammed muhammad
ahmed ali omar hassan hussein ibrahim youssef fatima aisha zainab mariam layla yuki hiroshi takashi kenji
haruto yuto sakura yui hina aoi wei jie li ming hao jing ying fang lei min raj rahul amit priya anjali deepak
sanjay sunita pooja arjun vikram ivan dmitri sergei alexei olga natalia irina tatiana svetlana mehmet mustafa
ayse fatma emre murat kwame kofi ama chinedu ngozi oluwaseun emeka thabo sipho minh thanh huong linh
ji-ho minjun seo-yeon jiwoo`

const lastNames = `smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark
ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams nelson
baker hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards
collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed
kelly howard ramos kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes
price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan
bell coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander
hamilton graham reynolds griffin wallace west cole hayes bryant herrera gibson ellis tran medina aguilar
stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington kennedy wells
mueller muller schmidt schneider fischer weber meyer wagner becker schulz hoffmann schafer koch bauer richter
klein wolf schroder neumann schwarz zimmermann braun kruger hofmann hartmann lange schmitt werner krause
meier lehmann schmid schulze maier kohler herrmann konig walter mayer huber kaiser fuchs peters lang scholz
moller weiss jung hahn schubert vogel friedrich keller gunther frank berger winkler roth beck lorenz baumann
bernard dubois durand leroy moreau simon laurent lefebvre michel david bertrand roux vincent fournier morel
girard andre mercier dupont lambert bonnet francois martinez legrand garnier faure rousseau blanc guerin
muller henry roussel nicolas perrin morin mathieu clement gauthier dumont lopez fontaine chevalier robin
rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti deluca mancini costa
giordano rizzo lombardi moretti barbieri fontana santoro mariani rinaldi caruso ferrara galli martini leone
longo gentile martinelli vitale lombardo serra coppola desantis silva santos oliveira souza rodrigues ferreira
alves pereira lima gomes ribeiro carvalho almeida lopes soares fernandes vieira barbosa rocha dias nascimento
andrade moreira nunes marques machado mendes freitas cardoso teixeira correia nowak kowalski wisniewski
wojcik kowalczyk kaminski lewandowski zielinski szymanski wozniak dabrowski kozlowski jankowski mazur
kwiatkowski krawczyk piotrowski grabowski nowakowski pawlowski michalski nilsson andersson johansson
karlsson eriksson larsson olsson persson svensson gustafsson pettersson jonsson jansen devries vandenberg
bakker visser smit meijer mulder bos vos peters hendriks dekker vanleeuwen dijkstra yilmaz kaya demir sahin
celik yildiz yildirim ozturk aydin ozdemir arslan dogan kilic aslan cetin kara koc kurt ozkan simsek
ivanov smirnov kuznetsov popov vasiliev petrov sokolov mikhailov novikov fedorov morozov volkov sato suzuki
takahashi tanaka watanabe ito yamamoto nakamura kobayashi kato yoshida yamada sasaki yamaguchi matsumoto
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo park choi jung kang cho
yoon jang lim han oh seo shin kwon hwang ahn song singh kumar sharma gupta shah mehta reddy rao iyer nair
das chatterjee mukherjee banerjee ali khan hussain ahmed rahman hassan ibrahim mohamed okafor adeyemi
okonkwo mensah boateng dlamini nkosi`

const cities = `newyork losangeles chicago houston phoenix philadelphia sanantonio sandiego dallas sanjose
austin jacksonville fortworth columbus charlotte sanfrancisco indianapolis seattle denver washington boston
elpaso nashville detroit oklahomacity portland lasvegas memphis louisville baltimore milwaukee albuquerque
tucson fresno sacramento kansascity mesa atlanta omaha coloradosprings raleigh miami longbeach virginiabeach
oakland minneapolis tulsa tampa arlington neworleans wichita cleveland bakersfield aurora anaheim honolulu
santaana riverside corpuschristi lexington stockton henderson saintpaul stlouis cincinnati pittsburgh
greensboro anchorage plano lincoln orlando irvine newark toledo durham chulavista fortwayne jerseycity
stpetersburg laredo madison chandler buffalo lubbock scottsdale reno glendale gilbert winstonsalem norfolk
london birmingham manchester leeds glasgow liverpool bristol sheffield edinburgh leicester cardiff belfast
nottingham newcastle southampton brighton oxford cambridge york dublin cork berlin hamburg munchen munich
koln cologne frankfurt stuttgart dusseldorf dortmund essen leipzig bremen dresden hannover nurnberg duisburg
bochum wuppertal bielefeld bonn munster karlsruhe mannheim augsburg wiesbaden paris marseille lyon toulouse
nice nantes strasbourg montpellier bordeaux lille rennes reims toulon grenoble dijon angers nimes madrid
barcelona valencia sevilla zaragoza malaga murcia palma bilbao alicante cordoba valladolid vigo gijon
granada roma rome milano milan napoli naples torino turin palermo genova bologna firenze florence bari
catania venezia venice verona lisboa lisbon porto braga coimbra amsterdam rotterdam denhaag utrecht
eindhoven groningen brussel brussels antwerpen gent liege wien vienna graz linz salzburg zurich geneve
geneva basel bern lausanne warszawa warsaw krakow lodz wroclaw poznan gdansk szczecin praha prague brno
budapest stockholm goteborg malmo oslo bergen kobenhavn copenhagen aarhus helsinki espoo tampere athens
thessaloniki istanbul ankara izmir bursa moscow moskva saintpetersburg kyiv kiev kharkiv tokyo osaka
yokohama nagoya sapporo kobe kyoto fukuoka beijing shanghai guangzhou shenzhen chengdu wuhan tianjin xian
hangzhou nanjing seoul busan incheon daegu mumbai delhi newdelhi bangalore bengaluru hyderabad chennai
kolkata pune ahmedabad jaipur saopaulo riodejaneiro brasilia salvador fortaleza belohorizonte manaus
curitiba recife portoalegre mexicocity ciudaddemexico guadalajara monterrey puebla tijuana buenosaires
cordoba rosario bogota medellin cali lima santiago caracas quito toronto montreal vancouver calgary
ottawa edmonton winnipeg quebec hamilton sydney melbourne brisbane perth adelaide auckland wellington
cairo lagos kinshasa johannesburg capetown nairobi casablanca accra addisababa dubai abudhabi riyadh jeddah
telaviv jerusalem tehran karachi lahore dhaka bangkok jakarta manila hochiminhcity hanoi singapore
kualalumpur 東京 大阪 北京 上海 서울 부산 москва`

var dicts = sync.OnceValue(func() [3]map[string]bool {
	var d [3]map[string]bool
	for i, list := range []string{firstNames, lastNames, cities} {
		d[i] = map[string]bool{}
		for _, w := range strings.Fields(list) {
			d[i][strings.ReplaceAll(w, "-", "")] = true
		}
	}
	return d
})

// foldWord folds a value for a dictionary lookup: lowercase, Latin
// diacritics removed, only letters kept. It returns "" for values
// holding a digit.
func foldWord(s string) string {
	_, sq := fold(s)
	if sq == "" {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			return ""
		}
	}
	return sq
}
